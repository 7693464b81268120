using System.Security.Cryptography;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>A JWT signing key ready to sign: kid, algorithm and signer.</summary>
internal sealed class JwtSigningAuthority
{
    public JwtSigningAuthority(CaAuthority record, IKeySigner signer)
    {
        Record = record;
        Signer = signer;
        Algorithm = KeyTypes.JwtAlgorithm(signer.KeyType);
        Hash = KeyTypes.DefaultHash(signer.KeyType);
    }

    /// <summary>The CA journal row (its id is the kid).</summary>
    public CaAuthority Record { get; }

    /// <summary>Signs through the key manager.</summary>
    public IKeySigner Signer { get; }

    /// <summary>The JWS <c>alg</c>, e.g. ES256.</summary>
    public string Algorithm { get; }

    /// <summary>The hash for <see cref="Algorithm"/>.</summary>
    public HashAlgorithmName Hash { get; }

    /// <summary>The key id published in the bundle.</summary>
    public string KeyId => Record.Id;
}
