using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>An X509-SVID received from the Workload API together with its private key.</summary>
public sealed class X509SvidWithKey
{
    internal X509SvidWithKey(X509Svid svid, X509Certificate2 certificate)
    {
        Svid = svid;
        Certificate = certificate;
    }

    /// <summary>The SVID: ID, chain (leaf first) and hint.</summary>
    public X509Svid Svid { get; }

    public SpiffeId Id => Svid.Id;

    public string Hint => Svid.Hint;

    /// <summary>The leaf certificate with its private key attached, ready for TLS.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The intermediates after the leaf (send them in a TLS handshake).</summary>
    public IReadOnlyList<X509Certificate2> Intermediates => Svid.Chain.Skip(1).ToArray();
}
