using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>One key held by a key manager: its id, its public half, and a way to sign with it.</summary>
public interface IKeySigner
{
    /// <summary>The id the key manager knows the key by.</summary>
    string KeyId { get; }

    /// <summary>The key's algorithm.</summary>
    KeyType KeyType { get; }

    /// <summary>The public key, for certificates and bundles.</summary>
    PublicKey PublicKey { get; }

    /// <summary>
    /// Signs a digest already computed with <paramref name="hashAlgorithm"/>.
    /// ECDSA keys return IEEE P1363 (r‖s, fixed width); RSA keys return a PKCS#1 v1.5 signature.
    /// </summary>
    ValueTask<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken);
}
