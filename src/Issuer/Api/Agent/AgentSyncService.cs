using System.Globalization;
using System.Text;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Revocation;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// The agent's sync: authorized entries changed after <c>afterRevision</c>, ordered by id and paged.
/// The first page fixes the revision snapshot (carried in the page token), so a change made while the
/// agent pages is sent again next time rather than lost. The last page lists every authorized entry id
/// and the revision to ask from next; every page carries the bundle and its sequence and the tainted
/// authorities; the last page carries the CRLs when the agent's CRL version is not the current one.
/// </summary>
internal sealed class AgentSyncService
{
    /// <summary>Entries per page when the agent does not ask for a size.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>Largest page an agent may ask for.</summary>
    public const int MaxPageSize = 1000;

    private readonly AgentEntryAuthorizer _authorizer;
    private readonly RevocationState _revocation;

    public AgentSyncService(AgentEntryAuthorizer authorizer, RevocationState revocation)
    {
        _authorizer = authorizer;
        _revocation = revocation;
    }

    /// <summary>One page; <paramref name="crlVersion"/> is the CRL version the agent holds (empty for none).</summary>
    public async Task<SyncResponse> SyncAsync(AuthenticatedAgent agent, long afterRevision, string? pageToken, int pageSize, string crlVersion, CancellationToken cancellationToken)
    {
        var set = await _authorizer.GetAsync(agent, cancellationToken);
        var revocation = await _revocation.GetAsync(cancellationToken);
        var (snapshot, afterId) = pageToken is null ? (set.Revision, null) : DecodeToken(pageToken);

        // An agent that saw a revision this store never reached (a restored database) starts over.
        var since = afterRevision > snapshot ? 0 : afterRevision;
        var changed = set.Entries.Values
            .Where(e => e.RevisionNumber > since && (afterId is null || string.CompareOrdinal(e.Id, afterId) > 0))
            .OrderBy(e => e.Id, StringComparer.Ordinal)
            .Take(pageSize + 1)
            .ToList();
        var last = changed.Count <= pageSize;
        var page = changed.Take(pageSize).Select(ToAgentEntry).ToList();
        var bundle = agent.Bundle;
        return new SyncResponse(
            page,
            last ? [.. set.Entries.Keys.Order(StringComparer.Ordinal)] : null,
            snapshot,
            last ? null : EncodeToken(snapshot, page[^1].Id),
            bundle.ToJson(),
            bundle.Sequence ?? 0,
            revocation.TaintedAuthorities,
            last && !string.Equals(crlVersion, revocation.CrlVersion, StringComparison.Ordinal) ? [.. revocation.Crls.Select(c => Convert.ToBase64String(c.Der))] : null,
            revocation.CrlVersion);
    }

    private static AgentEntry ToAgentEntry(RegistrationEntry e) => new(
        e.Id,
        e.SpiffeId,
        e.ParentId,
        [.. e.Selectors.Select(s => s.ToString())],
        e.X509SvidTtlSeconds,
        e.JwtSvidTtlSeconds,
        e.DnsNames,
        e.Hint,
        e.RevisionNumber,
        e.CreatedAt);

    private static string EncodeToken(long revision, string afterId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{revision.ToString(CultureInfo.InvariantCulture)}:{afterId}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (long Revision, string AfterId) DecodeToken(string token)
    {
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0
                && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
                && colon < text.Length - 1)
            {
                return (revision, text[(colon + 1)..]);
            }
        }
        catch (FormatException)
        {
        }

        throw AgentApiException.BadRequest("pageToken is not a token this API returned");
    }
}
