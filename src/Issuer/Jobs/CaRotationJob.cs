using IdentityIssuer.Issuer.Ca;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>Checks (every <see cref="JobsOptions.RotationCheckInterval"/>, 10 s by default) whether an authority is due to be prepared or activated.</summary>
[DisallowConcurrentExecution]
internal sealed partial class CaRotationJob : IssuerJob
{
    private readonly ILogger<CaRotationJob> _logger;

    public CaRotationJob(IServiceScopeFactory scopes, ILogger<CaRotationJob> logger)
        : base(scopes) => _logger = logger;

    protected override Task RunAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<CaManager>().RotateIfDueAsync(cancellationToken);

    protected override void LogFailure(Exception exception) => LogRotationFailed(_logger, exception);

    [LoggerMessage(EventId = 110, Level = LogLevel.Error, Message = "CA rotation check failed; retrying at the next interval")]
    private static partial void LogRotationFailed(ILogger logger, Exception exception);
}
