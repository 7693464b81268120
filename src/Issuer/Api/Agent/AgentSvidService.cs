using IdentityIssuer.Attestation;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// Workload SVIDs on behalf of an agent, only for entries the agent is authorized for. A batch with any
/// entry the agent may not have is refused whole: nothing is signed and nothing recorded. The SPIFFE
/// ID, DNS names and lifetime come from the entry; the CSR gives only the key. An entry whose lifetime
/// is above <c>Issuer:MaxX509SvidTtl</c> / <c>Issuer:MaxJwtSvidTtl</c> (stored before the maximum was
/// lowered) gets an SVID capped at the maximum, with a warning, rather than failing its whole batch.
/// </summary>
internal sealed class AgentSvidService
{
    /// <summary>Most CSRs in one batch.</summary>
    public const int MaxBatch = 500;

    private readonly AgentEntryAuthorizer _authorizer;
    private readonly X509SvidMinter _x509;
    private readonly JwtSvidMinter _jwt;
    private readonly IssuerOptions _issuer;
    private readonly ILogger<AgentSvidService> _logger;

    public AgentSvidService(AgentEntryAuthorizer authorizer, X509SvidMinter x509, JwtSvidMinter jwt, IOptions<IssuerOptions> issuer, ILogger<AgentSvidService> logger)
    {
        _authorizer = authorizer;
        _x509 = x509;
        _jwt = jwt;
        _issuer = issuer.Value;
        _logger = logger;
    }

    public async Task<SignX509Response> SignX509Async(AuthenticatedAgent agent, SignX509Request request, CancellationToken cancellationToken)
    {
        var items = request.Items;
        if (items is null || items.Count == 0 || items.Count > MaxBatch)
        {
            throw AgentApiException.BadRequest($"items must hold 1 to {MaxBatch} CSRs (got {items?.Count ?? 0})");
        }

        var csrs = new byte[items.Count][];
        var reported = new IReadOnlyList<string>?[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null || string.IsNullOrEmpty(items[i].EntryId))
            {
                throw AgentApiException.BadRequest($"items[{i}].entryId is required");
            }

            csrs[i] = AgentSvidChain.DecodeCsr(items[i].Csr, $"items[{i}].csr");
            reported[i] = ReportedSelectors.Read(items[i].WorkloadSelectors, $"items[{i}].workloadSelectors");
        }

        var set = await _authorizer.GetAsync(agent, cancellationToken);
        var entries = items.Select(item => Authorized(agent, set, item.EntryId)).ToList();
        var caller = agent.AgentId.ToString();
        var minted = await _x509.MintForAgentAsync(
            caller,
            [.. entries.Select((entry, i) => new X509SvidParams
            {
                SpiffeId = SpiffeId.Parse(entry.SpiffeId),
                Csr = csrs[i],
                Ttl = Capped(entry, "X509", entry.X509SvidTtlSeconds, _issuer.MaxX509SvidTtl),
                DnsNames = entry.DnsNames,
                EntryId = entry.Id,
                Caller = caller,
                Context = Context(agent, entry, reported[i]),
            })],
            cancellationToken)
            ?? throw AgentApiException.Forbidden($"agent {caller} was banned or evicted while its request ran; no SVID was issued");
        AgentApiLog.Signed(_logger, minted.Count, caller);
        return new SignX509Response(
            [.. minted.Select((svid, i) => new SignedX509Svid(entries[i].Id, svid.SpiffeId.ToString(), AgentSvidChain.Encode(svid, agent.Bundle), svid.NotAfter))]);
    }

    public async Task<MintJwtResponse> MintJwtAsync(AuthenticatedAgent agent, MintJwtRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.EntryId))
        {
            throw AgentApiException.BadRequest("entryId is required");
        }

        if (request.Audience is null || request.Audience.Count == 0 || request.Audience.Any(string.IsNullOrWhiteSpace))
        {
            throw AgentApiException.BadRequest("audience must hold at least one non-empty value");
        }

        var workloadSelectors = ReportedSelectors.Read(request.WorkloadSelectors, "workloadSelectors");
        var set = await _authorizer.GetAsync(agent, cancellationToken);
        var entry = Authorized(agent, set, request.EntryId);
        var minted = await _jwt.MintAsync(
            SpiffeId.Parse(entry.SpiffeId),
            request.Audience,
            Capped(entry, "JWT", entry.JwtSvidTtlSeconds, _issuer.MaxJwtSvidTtl),
            entry.Id,
            agent.AgentId.ToString(),
            Context(agent, entry, workloadSelectors),
            cancellationToken);
        return new MintJwtResponse(minted.SpiffeId.ToString(), minted.Token, minted.ExpiresAt);
    }

    private static SvidIssuanceContext Context(AuthenticatedAgent agent, RegistrationEntry entry, IReadOnlyList<string>? workloadSelectors) =>
        new(entry.RevisionNumber, agent.Node.AttestationType, agent.Node.Selectors, workloadSelectors);

    /// <summary>The entry's lifetime, or the configured maximum (with a warning) when the entry asks for more.</summary>
    private TimeSpan Capped(RegistrationEntry entry, string kind, int ttlSeconds, TimeSpan max)
    {
        var ttl = TimeSpan.FromSeconds(ttlSeconds);
        if (ttl <= max)
        {
            return ttl;
        }

        AgentApiLog.TtlCapped(_logger, kind, entry.Id, entry.SpiffeId, ttl, max);
        return max;
    }

    private static RegistrationEntry Authorized(AuthenticatedAgent agent, AuthorizedEntrySet set, string entryId) =>
        set.Entries.TryGetValue(entryId, out var entry)
            ? entry
            : throw AgentApiException.Forbidden($"entry '{InputEcho.Of(entryId)}' is not authorized for agent {agent.AgentId}; nothing was signed");
}
