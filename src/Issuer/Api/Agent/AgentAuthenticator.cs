using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Registration;
using IdentityIssuer.Spiffe.X509;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// Authenticates an mTLS agent request in the application (the TLS layer accepts any client
/// certificate): the certificate must be a valid X509-SVID of this trust domain's bundle whose ID is an
/// agent ID, and the agent's node must exist, not be banned, and hold this SVID's serial as its current
/// one or as the one its last renewal issued. The first use of a renewed SVID makes it current; from
/// then on the previous SVID is refused, and so is an SVID whose node was evicted (the agent re-attests).
/// The SVID may be signed by any X.509 authority of the CA journal that is still trusted (any replica's;
/// prepared, active, old or tainted), so rotation and taint never lock an agent out, also under an
/// upstream CA whose intermediates are not in the bundle.
/// </summary>
internal sealed class AgentAuthenticator
{
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(1);

    private readonly IDataStore _store;
    private readonly CaManager _ca;
    private readonly TrustBundleService _bundles;
    private readonly X509AuthorityChains _authorities;
    private readonly TimeProvider _time;

    public AgentAuthenticator(IDataStore store, CaManager ca, TrustBundleService bundles, X509AuthorityChains authorities, TimeProvider time)
    {
        _store = store;
        _ca = ca;
        _bundles = bundles;
        _authorities = authorities;
        _time = time;
    }

    /// <exception cref="AgentApiException">401 without a valid SVID; 403 for a non-agent, unknown, banned or superseded agent.</exception>
    public async Task<AuthenticatedAgent> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var leaf = context.Connection.ClientCertificate
            ?? throw AgentApiException.Unauthenticated("a client certificate is required: present the agent's X509-SVID");
        var bundle = await _bundles.GetOwnBundleAsync(cancellationToken);
        var now = _time.GetUtcNow();

        // TLS hands over the leaf only; the journal's authority that signed it (found by the leaf's AKI)
        // supplies any intermediate under an upstream root. The bundle still decides what is trusted.
        var chain = new List<X509Certificate2> { leaf };
        if (AuthorityKeyId(leaf) is { } signedBy)
        {
            foreach (var ca in await _authorities.FindAsync(signedBy, cancellationToken))
            {
                if (!bundle.X509Authorities.Any(a => a.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span)))
                {
                    chain.Add(ca);
                }
            }
        }

        var result = X509SvidValidator.Validate(chain, new X509BundleSet([bundle.ToX509Bundle()]), now);
        if (!result.IsValid || result.Id is null)
        {
            throw AgentApiException.Unauthenticated($"the client certificate is not a valid X509-SVID of trust domain {_ca.TrustDomain}: {result.Error}");
        }

        var agentId = result.Id;
        if (!ReservedIds.IsAgent(agentId))
        {
            throw AgentApiException.Forbidden($"{agentId} is not an agent ID; only agents (under {ReservedIds.AgentPrefix}) may use this API");
        }

        var node = await _store.GetAttestedNodeAsync(agentId.ToString(), cancellationToken)
            ?? throw AgentApiException.Forbidden($"agent {agentId} is not attested (it may have been evicted); attest again");
        if (node.Banned)
        {
            throw AgentApiException.Forbidden($"agent {agentId} is banned");
        }

        var serial = leaf.SerialNumber.ToLowerInvariant();
        if (string.Equals(node.NewCertificateSerial, serial, StringComparison.Ordinal))
        {
            // First use of the renewed SVID: it becomes current and the previous one is refused from now on.
            // Losing the compare-and-set means a concurrent request promoted it (or it was replaced): re-read.
            await _store.PromoteAttestedNodeNewCertificateAsync(node.SpiffeId, serial, now, cancellationToken);
            node = await _store.GetAttestedNodeAsync(agentId.ToString(), cancellationToken)
                ?? throw AgentApiException.Forbidden($"agent {agentId} is not attested (it may have been evicted); attest again");
            if (node.Banned)
            {
                throw AgentApiException.Forbidden($"agent {agentId} is banned");
            }
        }
        else if (string.Equals(node.CertificateSerial, serial, StringComparison.Ordinal) && now - node.LastSeenAt >= LastSeenResolution)
        {
            await _store.TouchAttestedNodeAsync(node.SpiffeId, now, cancellationToken);
        }

        if (!string.Equals(node.CertificateSerial, serial, StringComparison.Ordinal))
        {
            throw AgentApiException.Forbidden($"the SVID with serial {serial} is no longer agent {agentId}'s current SVID (renewed or re-attested); use the current one or attest again");
        }

        return new AuthenticatedAgent(agentId, node, bundle);
    }

    /// <summary>The leaf's authority key identifier as lowercase hex (an authority id of the journal), if it has one.</summary>
    private static string? AuthorityKeyId(X509Certificate2 leaf)
    {
        try
        {
            return leaf.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier is { } keyId
                ? Convert.ToHexStringLower(keyId.Span)
                : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // A malformed extension: no chain is added, and validation refuses the certificate with its own error.
            return null;
        }
    }
}
