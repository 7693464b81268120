using System.Text;
using IdentityIssuer.Issuer.Ops.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>
/// A scheduled job: each run gets its own DI scope, and a failed run is logged whole and left for the
/// next trigger, so one error (datastore briefly down, key manager error) never stops the schedule.
/// Every run is counted in the job metrics under <see cref="Name"/>.
/// </summary>
internal abstract class IssuerJob : IJob
{
    private readonly IServiceScopeFactory _scopes;

    protected IssuerJob(IServiceScopeFactory scopes) => _scopes = scopes;

    /// <summary>The job's name in the schedule, the logs and the metrics: the class name in kebab case without <c>Job</c> (<c>ca-rotation</c>).</summary>
    public string Name => NameOf(GetType());

    /// <summary>The schedule name of a job type, e.g. <c>prune</c> for <see cref="PruneJob"/>.</summary>
    public static string NameOf(Type jobType)
    {
        ArgumentNullException.ThrowIfNull(jobType);
        var name = jobType.Name.EndsWith("Job", StringComparison.Ordinal) ? jobType.Name[..^3] : jobType.Name;
        var kebab = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && kebab.Length > 0)
            {
                kebab.Append('-');
            }

            kebab.Append(char.ToLowerInvariant(c));
        }

        return kebab.ToString();
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await RunOnceAsync(cancellationToken);

    /// <summary>One run, as the scheduler does it; never throws except for cancellation of <paramref name="cancellationToken"/>.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        IssuerMetrics? metrics = null;
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            metrics = scope.ServiceProvider.GetService<IssuerMetrics>();
            await RunAsync(scope.ServiceProvider, cancellationToken);
            metrics?.JobSucceeded(Name);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            metrics?.JobFailed(Name);
            LogFailure(ex);
        }
    }

    protected abstract Task RunAsync(IServiceProvider services, CancellationToken cancellationToken);

    protected abstract void LogFailure(Exception exception);
}
