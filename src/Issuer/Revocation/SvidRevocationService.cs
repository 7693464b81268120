using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Revocation;

/// <summary>
/// Revokes X509-SVIDs found through the issuance record — by serial, SPIFFE ID, entry, or the agent
/// that obtained them — and signs the CRLs of this replica's authorities at once (another replica signs
/// its own within <c>Jobs:CrlRefreshInterval</c>). Only unexpired X509-SVIDs are revoked: an expired one
/// fails validation anyway, and JWT-SVIDs have no revocation list (they are short-lived).
/// </summary>
internal sealed partial class SvidRevocationService
{
    private const int PageSize = 1000;

    private readonly IDataStore _store;
    private readonly CrlService _crls;
    private readonly TimeProvider _time;
    private readonly ILogger<SvidRevocationService> _logger;

    public SvidRevocationService(IDataStore store, CrlService crls, TimeProvider time, ILogger<SvidRevocationService> logger)
    {
        _store = store;
        _crls = crls;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Revokes every unexpired X509-SVID the selector matches. Returns the matched SVIDs and how many of
    /// them were revoked before. Throws <see cref="NotFoundException"/> when nothing matches.
    /// </summary>
    public async Task<SvidRevocationResult> RevokeAsync(SvidSelector selector, string caller, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var matched = new Dictionary<(string, string), IssuanceRecord>();
        foreach (var filter in selector.Filters())
        {
            string? token = null;
            do
            {
                var page = await _store.ListIssuanceRecordsAsync(filter with { PageSize = PageSize, PageToken = token }, cancellationToken);
                foreach (var record in page.Items.Where(r => r.Kind == SvidKind.X509 && r.NotAfter > now))
                {
                    matched.TryAdd((record.SigningAuthority, record.Serial), record);
                }

                token = page.NextPageToken;
            }
            while (token is not null);
        }

        if (matched.Count == 0)
        {
            throw new NotFoundException($"no unexpired X509-SVID with {selector.Describe()} is in the issuance record");
        }

        var svids = matched.Values
            .OrderBy(r => r.CreatedAt)
            .Select(r => new RevokedSvid
            {
                AuthorityId = r.SigningAuthority,
                Serial = r.Serial,
                SpiffeId = r.SpiffeId,
                EntryId = r.EntryId,
                Caller = caller,
                NotAfter = r.NotAfter,
                Reason = reason,
            })
            .ToList();
        var added = await _store.RevokeSvidsAsync(svids, cancellationToken);
        foreach (var svid in added)
        {
            LogRevoked(_logger, svid.Serial, svid.SpiffeId, svid.AuthorityId, caller);
        }

        await _crls.RefreshAsync(cancellationToken);
        return new SvidRevocationResult(svids, svids.Count - added.Count);
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning, Message = "Revoked X509-SVID {Serial} ({SpiffeId}, authority {AuthorityId}) at the request of {Caller}")]
    private static partial void LogRevoked(ILogger logger, string serial, string spiffeId, string authorityId, string caller);
}

/// <summary>The SVIDs a revocation matched; <see cref="AlreadyRevoked"/> of them had been revoked before.</summary>
internal sealed record SvidRevocationResult(IReadOnlyList<RevokedSvid> Svids, int AlreadyRevoked);

/// <summary>Which SVIDs to revoke: exactly one of serial, SPIFFE ID, entry id or agent id.</summary>
internal sealed record SvidSelector(string? Serial, string? SpiffeId, string? EntryId, string? AgentId)
{
    /// <summary>The issuance-record queries that find the SVIDs (an agent: those it obtained for workloads and its own).</summary>
    public IEnumerable<IssuanceFilter> Filters()
    {
        if (Serial is not null)
        {
            yield return new IssuanceFilter { Serial = Serial };
        }
        else if (SpiffeId is not null)
        {
            yield return new IssuanceFilter { SpiffeId = SpiffeId };
        }
        else if (EntryId is not null)
        {
            yield return new IssuanceFilter { EntryId = EntryId };
        }
        else if (AgentId is not null)
        {
            yield return new IssuanceFilter { Caller = AgentId };
            yield return new IssuanceFilter { SpiffeId = AgentId };
        }
    }

    /// <summary>"serial 0a1b…" and the like, for messages.</summary>
    public string Describe() =>
        Serial is not null ? $"serial {Serial}"
        : SpiffeId is not null ? $"SPIFFE ID {SpiffeId}"
        : EntryId is not null ? $"entry id {EntryId}"
        : $"agent id {AgentId}";
}
