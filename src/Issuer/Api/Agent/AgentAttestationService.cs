using System.Net;
using System.Text.Json;
using IdentityIssuer.Attestation;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// Node attestation, challenges and agent SVID renewal. An attestation runs the named attestor, and
/// only when it admits the node is anything written: the agent SVID is minted for the CSR's key and
/// the attested node stored with its serial, selectors and whether it may re-attest.
/// </summary>
internal sealed class AgentAttestationService
{
    private readonly NodeAttestorRegistry _attestors;
    private readonly NodeChallengeStore _challenges;
    private readonly IDataStore _store;
    private readonly CaManager _ca;
    private readonly X509SvidMinter _minter;
    private readonly TrustBundleService _bundles;
    private readonly AgentEntryAuthorizer _authorizer;
    private readonly TimeProvider _time;
    private readonly ILogger<AgentAttestationService> _logger;

    public AgentAttestationService(
        NodeAttestorRegistry attestors,
        NodeChallengeStore challenges,
        IDataStore store,
        CaManager ca,
        X509SvidMinter minter,
        TrustBundleService bundles,
        AgentEntryAuthorizer authorizer,
        TimeProvider time,
        ILogger<AgentAttestationService> logger)
    {
        _attestors = attestors;
        _challenges = challenges;
        _store = store;
        _ca = ca;
        _minter = minter;
        _bundles = bundles;
        _authorizer = authorizer;
        _time = time;
        _logger = logger;
    }

    /// <summary>A nonce for x509pop, counted against the caller's address <paramref name="remote"/>.</summary>
    public ChallengeResponse Challenge(ChallengeRequest request, IPAddress? remote)
    {
        var type = request.AttestationType;
        if (string.IsNullOrEmpty(type) || !_attestors.TryGet(type, out _))
        {
            throw AgentApiException.BadRequest(UnknownType(type));
        }

        if (!_attestors.UsesChallenge(type))
        {
            throw AgentApiException.BadRequest($"attestation type '{type}' takes no challenge");
        }

        var source = NodeChallengeSource.For(remote);
        var issue = _challenges.TryIssue(source);
        switch (issue.Outcome)
        {
            case NodeChallengeOutcome.Issued when issue.Challenge is not null:
                return issue.Challenge;
            case NodeChallengeOutcome.SourceLimit:
                throw AgentApiException.TooManyRequests(
                    $"{source} already holds {_challenges.MaxPerSource} unused challenges (AgentApi:X509Pop:MaxChallengesPerAddress); answer one, or wait up to {_challenges.Lifetime.TotalSeconds:0} s for them to expire");
            default:
                throw AgentApiException.Unavailable("too many challenges are outstanding; try again shortly");
        }
    }

    public async Task<AttestResponse> AttestAsync(AttestRequest request, CancellationToken cancellationToken)
    {
        var type = request.AttestationType;
        if (string.IsNullOrEmpty(type) || !_attestors.TryGet(type, out var attestor))
        {
            throw AgentApiException.BadRequest(UnknownType(type));
        }

        if (request.Payload.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            throw AgentApiException.BadRequest("payload is required");
        }

        // The CSR is checked before the evidence: a join token must not be spent on a request that cannot succeed.
        var csr = AgentSvidChain.DecodeCsr(request.Csr, "csr");
        var context = new NodeAttestationContext
        {
            TrustDomain = _ca.TrustDomain.Name,
            ConsumeJoinToken = async (hash, ct) => await _store.ConsumeJoinTokenAsync(hash, _time.GetUtcNow(), ct) is not null,
            Challenges = _challenges,
            Time = _time,
        };
        var result = await attestor.AttestAsync(request.Payload, context, cancellationToken);
        if (!result.IsValid)
        {
            throw AgentApiException.Forbidden($"attestation refused: {result.Error}");
        }

        if (!NodeAttestorPaths.BelongsTo(result.AgentPath, attestor.Name))
        {
            throw new InvalidOperationException($"node attestor '{attestor.Name}' named an agent outside its namespace");
        }

        var agentId = SpiffeId.FromPath(_ca.TrustDomain, result.AgentPath);
        var existing = await _store.GetAttestedNodeAsync(agentId.ToString(), cancellationToken);
        if (existing is { Banned: true })
        {
            throw AgentApiException.Forbidden($"agent {agentId} is banned");
        }

        if (existing is { CanReattest: false })
        {
            throw AgentApiException.Forbidden($"agent {agentId} has attested before and its attestation type does not allow re-attestation");
        }

        var minted = await _minter.MintAsync(
            new X509SvidParams { SpiffeId = agentId, Csr = csr, Caller = $"attestation:{attestor.Name}" },
            cancellationToken);
        var now = _time.GetUtcNow();
        var stored = await _store.UpsertAttestedNodeAsync(
            new AttestedNode
            {
                SpiffeId = agentId.ToString(),
                AttestationType = attestor.Name,
                CertificateSerial = minted.Serial,
                CertificateNotAfter = minted.NotAfter,
                Selectors = [.. result.Selectors.Select(s => s.ToString())],
                CanReattest = result.CanReattest,
                Banned = false,
                LastSeenAt = now,
            },
            cancellationToken);
        if (stored.Banned)
        {
            // Banned between the check above and the write: the upsert kept the ban, so refuse.
            throw AgentApiException.Forbidden($"agent {agentId} is banned");
        }

        _authorizer.Forget(agentId.ToString());
        AgentApiLog.Attested(_logger, agentId.ToString(), attestor.Name, minted.Serial, minted.NotAfter);

        var bundle = await _bundles.GetOwnBundleAsync(cancellationToken);
        return new AttestResponse(agentId.ToString(), AgentSvidChain.Encode(minted, bundle), bundle.ToJson(), result.CanReattest);
    }

    public async Task<RenewResponse> RenewAsync(AuthenticatedAgent agent, RenewRequest request, CancellationToken cancellationToken)
    {
        var csr = AgentSvidChain.DecodeCsr(request.Csr, "csr");
        var minted = (await _minter.MintForAgentAsync(
            agent.Node.SpiffeId,
            [new X509SvidParams { SpiffeId = agent.AgentId, Csr = csr, Caller = agent.AgentId.ToString() }],
            cancellationToken))?[0]
            ?? throw AgentApiException.Forbidden($"agent {agent.AgentId} was banned or evicted while renewing; no SVID was issued");

        // The new SVID is pending, the current one stays valid until the new one is first used: a reply
        // lost on the way back (the agent fails over and asks again with the current SVID) costs nothing,
        // and the repeat replaces the pending SVID, so never more than one renewed SVID is accepted.
        var recorded = await _store.SetAttestedNodeNewCertificateAsync(
            agent.Node.SpiffeId, agent.Node.CertificateSerial, agent.Node.NewCertificateSerial, minted.Serial, minted.NotAfter, _time.GetUtcNow(), cancellationToken);
        if (!recorded)
        {
            throw AgentApiException.Forbidden($"agent {agent.AgentId} changed while renewing (renewed at the same time, evicted or banned); try again with the current SVID or attest again");
        }

        AgentApiLog.Renewed(_logger, agent.AgentId.ToString(), minted.Serial, minted.NotAfter);
        return new RenewResponse(AgentSvidChain.Encode(minted, agent.Bundle));
    }

    private string UnknownType(string? type) =>
        $"unknown attestation type '{InputEcho.Of(type)}'; this issuer accepts: {string.Join(", ", _attestors.Names)}";
}
