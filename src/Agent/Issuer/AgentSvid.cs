using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Agent.Issuer;

/// <summary>The agent's own X509-SVID: chain (leaf first), private key, and the certificate-with-key for mTLS.</summary>
internal sealed class AgentSvid : IDisposable
{
    private AgentSvid(IReadOnlyList<X509Certificate2> chain, X509Certificate2 leafWithKey, byte[] keyPkcs8, SpiffeId id)
    {
        Chain = chain;
        LeafWithKey = leafWithKey;
        KeyPkcs8 = keyPkcs8;
        Id = id;
    }

    /// <summary>Leaf first.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>The leaf with its private key, presented as the TLS client certificate.</summary>
    public X509Certificate2 LeafWithKey { get; }

    /// <summary>The private key, PKCS#8 DER (persisted 0600).</summary>
    public byte[] KeyPkcs8 { get; }

    /// <summary>The agent ID.</summary>
    public SpiffeId Id { get; }

    /// <summary>Lowercase hex serial of the leaf.</summary>
    public string Serial => Convert.ToHexStringLower(Chain[0].SerialNumberBytes.Span);

    public DateTimeOffset NotBefore => new(Chain[0].NotBefore.ToUniversalTime());

    public DateTimeOffset NotAfter => new(Chain[0].NotAfter.ToUniversalTime());

    /// <summary>Builds from a chain and its key; throws when the key does not match or the leaf is not an X509-SVID.</summary>
    public static AgentSvid Create(IReadOnlyList<X509Certificate2> chain, byte[] keyPkcs8)
    {
        var svid = X509Svid.Parse(chain);
        var leaf = chain[0];
        X509Certificate2 withKey;
        if (leaf.GetECDsaPublicKey() is { } ecPublic)
        {
            ecPublic.Dispose();
            using var ec = ECDsa.Create();
            ec.ImportPkcs8PrivateKey(keyPkcs8, out _);
            withKey = leaf.CopyWithPrivateKey(ec);
        }
        else
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(keyPkcs8, out _);
            withKey = leaf.CopyWithPrivateKey(rsa);
        }

        return new AgentSvid(chain, withKey, keyPkcs8, svid.Id);
    }

    /// <summary>True once <paramref name="now"/> is past the renewal point: half the lifetime, moved by up to ±10%.</summary>
    public bool ShouldRenew(DateTimeOffset now, double jitter)
    {
        var lifetime = NotAfter - NotBefore;
        var renewAt = NotBefore + (lifetime * (0.5 + jitter));
        return now >= renewAt;
    }

    public void Dispose()
    {
        LeafWithKey.Dispose();
        CryptographicOperations.ZeroMemory(KeyPkcs8);
    }
}
