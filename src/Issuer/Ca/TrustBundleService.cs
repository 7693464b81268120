using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Api.Bundle;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Spiffe.Bundles;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>Renders the stored trust bundle of this issuer's trust domain as a SPIFFE bundle.</summary>
internal sealed class TrustBundleService
{
    private readonly IDataStore _store;
    private readonly CaManager _ca;
    private readonly BundleEndpointOptions _endpoint;

    public TrustBundleService(IDataStore store, CaManager ca, IOptions<BundleEndpointOptions> endpoint)
    {
        _store = store;
        _ca = ca;
        _endpoint = endpoint.Value;
    }

    /// <summary>The own trust domain's bundle with its current sequence number.</summary>
    public async Task<SpiffeBundle> GetOwnBundleAsync(CancellationToken cancellationToken)
    {
        var stored = await _store.GetBundleAsync(_ca.TrustDomain.Name, cancellationToken)
            ?? throw new CaException($"no bundle is stored for trust domain {_ca.TrustDomain}; the CA has not started");
        return new SpiffeBundle(
            _ca.TrustDomain,
            stored.X509Authorities.Select(X509CertificateLoader.LoadCertificate),
            stored.JwtKeys.Select(k => new JwtAuthority(k.KeyId, k.SubjectPublicKeyInfo)),
            stored.Sequence,
            _endpoint.RefreshHint);
    }
}
