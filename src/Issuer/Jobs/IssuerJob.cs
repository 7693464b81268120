using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>
/// A scheduled job: each run gets its own DI scope, and a failed run is logged whole and left for the
/// next trigger, so one error (datastore briefly down, key manager error) never stops the schedule.
/// </summary>
internal abstract class IssuerJob : IJob
{
    private readonly IServiceScopeFactory _scopes;

    protected IssuerJob(IServiceScopeFactory scopes) => _scopes = scopes;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await RunOnceAsync(cancellationToken);

    /// <summary>One run, as the scheduler does it; never throws except for cancellation of <paramref name="cancellationToken"/>.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            await RunAsync(scope.ServiceProvider, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogFailure(ex);
        }
    }

    protected abstract Task RunAsync(IServiceProvider services, CancellationToken cancellationToken);

    protected abstract void LogFailure(Exception exception);
}
