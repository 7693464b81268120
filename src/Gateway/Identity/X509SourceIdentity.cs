using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.WorkloadApi;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Identity;

/// <summary>
/// The identity from the local agent's Workload API through an <see cref="X509Source"/>: a new
/// <see cref="WorkloadIdentity"/> on every update (rotation, new bundle, new CRLs). With
/// <paramref name="spiffeId"/> set it serves that SVID of the context, otherwise the default (first).
/// </summary>
public sealed partial class X509SourceIdentity : IWorkloadIdentitySource, IAsyncDisposable
{
    private readonly X509Source _source;
    private readonly WorkloadApiClient _client;
    private readonly SpiffeId? _spiffeId;
    private readonly ILogger _logger;
    private volatile WorkloadIdentity? _current;
    private volatile string _error = "no X509 context yet";

    private X509SourceIdentity(X509Source source, WorkloadApiClient client, SpiffeId? spiffeId, ILogger logger)
    {
        _source = source;
        _client = client;
        _spiffeId = spiffeId;
        _logger = logger;
    }

    public WorkloadIdentity Current => _current ?? throw new InvalidOperationException(_error);

    /// <summary>Connects, waits for the first context and keeps following updates.</summary>
    public static async Task<X509SourceIdentity> CreateAsync(string? socketAddress, SpiffeId? spiffeId, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var client = new WorkloadApiClient(socketAddress);
        X509Source source;
        try
        {
            source = await X509Source.CreateAsync(client, cancellationToken: cancellationToken);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        var identity = new X509SourceIdentity(source, client, spiffeId, logger);
        identity.Apply(source.Context);
        source.Updated += (_, e) => identity.Apply(e.Context);
        if (identity._current is null)
        {
            await identity.DisposeAsync();
            throw new InvalidOperationException(identity._error);
        }

        return identity;
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        _client.Dispose();
    }

    private void Apply(X509Context context)
    {
        var svid = _spiffeId is null ? context.DefaultSvid : context.Svids.FirstOrDefault(s => s.Id.Equals(_spiffeId));
        if (svid is null)
        {
            _error = $"the Workload API holds no SVID for {_spiffeId} (it has {string.Join(", ", context.Svids.Select(s => s.Id))})";
            LogMissing(_logger, _spiffeId!.ToString(), string.Join(", ", context.Svids.Select(s => s.Id)));
            return;
        }

        var revocations = RevocationSet.Parse(context.Crls);
        foreach (var problem in revocations.Unparseable)
        {
            LogBadCrl(_logger, problem);
        }

        _current = new WorkloadIdentity(svid.Certificate, svid.Intermediates, context.Bundles, revocations);
        LogUpdated(_logger, svid.Id.ToString(), svid.Certificate.SerialNumber.ToLowerInvariant(), new DateTimeOffset(svid.Certificate.NotAfter.ToUniversalTime()), context.Bundles.Count, revocations.Count);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Workload identity {SpiffeId} serial {Serial} (expires {NotAfter:O}); {Bundles} trust bundle(s), {Crls} CRL(s)")]
    private static partial void LogUpdated(ILogger logger, string spiffeId, string serial, DateTimeOffset notAfter, int bundles, int crls);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "The Workload API sent no SVID for {SpiffeId} (it sent {Ids}); keeping the previous one")]
    private static partial void LogMissing(ILogger logger, string spiffeId, string ids);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "A CRL from the Workload API cannot be parsed; every caller is refused until it is fixed: {Problem}")]
    private static partial void LogBadCrl(ILogger logger, string problem);
}
