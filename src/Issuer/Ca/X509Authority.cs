using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>An X.509 CA ready to sign: its journal row, certificate, key-manager signer and the chain above it.</summary>
internal sealed class X509Authority
{
    public X509Authority(CaAuthority record, X509Certificate2 certificate, IKeySigner signer, IReadOnlyList<X509Certificate2> chainAbove)
    {
        Record = record;
        Certificate = certificate;
        Signer = signer;
        ChainAbove = chainAbove;
        Generator = new KeyManagerSignatureGenerator(signer);
        Hash = KeyTypes.DefaultHash(signer.KeyType);
        AuthorityKeyIdentifier = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false);
    }

    /// <summary>The CA journal row.</summary>
    public CaAuthority Record { get; }

    /// <summary>The CA certificate (public only).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Signs through the key manager.</summary>
    public IKeySigner Signer { get; }

    /// <summary>Intermediates between this CA and the bundle's roots (empty for a self-signed CA).</summary>
    public IReadOnlyList<X509Certificate2> ChainAbove { get; }

    /// <summary>The signature generator certificate building uses.</summary>
    public X509SignatureGenerator Generator { get; }

    /// <summary>The hash this CA signs with.</summary>
    public HashAlgorithmName Hash { get; }

    /// <summary>AKI extension for certificates this CA signs.</summary>
    public X509AuthorityKeyIdentifierExtension AuthorityKeyIdentifier { get; }

    /// <summary>The authority id (hex subject key identifier).</summary>
    public string Id => Record.Id;
}
