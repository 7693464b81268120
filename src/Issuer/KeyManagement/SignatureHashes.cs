using System.Security.Cryptography;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>The hash algorithms key managers sign with (SHA-256, SHA-384, SHA-512) and their digest sizes.</summary>
internal static class SignatureHashes
{
    /// <summary>The digest size in bytes, or throws for a hash key managers do not sign with.</summary>
    public static int DigestLength(HashAlgorithmName hashAlgorithm)
    {
        if (hashAlgorithm == HashAlgorithmName.SHA256)
        {
            return SHA256.HashSizeInBytes;
        }

        if (hashAlgorithm == HashAlgorithmName.SHA384)
        {
            return SHA384.HashSizeInBytes;
        }

        if (hashAlgorithm == HashAlgorithmName.SHA512)
        {
            return SHA512.HashSizeInBytes;
        }

        throw Unsupported(hashAlgorithm);
    }

    /// <summary>Throws unless <paramref name="digest"/> has the size <paramref name="hashAlgorithm"/> produces.</summary>
    public static void ThrowIfWrongLength(ReadOnlySpan<byte> digest, HashAlgorithmName hashAlgorithm)
    {
        var expected = DigestLength(hashAlgorithm);
        if (digest.Length != expected)
        {
            throw new ArgumentException(
                $"a {hashAlgorithm.Name} digest is {expected} bytes, got {digest.Length}", nameof(digest));
        }
    }

    private static ArgumentException Unsupported(HashAlgorithmName hashAlgorithm) =>
        new($"hash algorithm '{hashAlgorithm.Name}' is not supported; use SHA256, SHA384 or SHA512", nameof(hashAlgorithm));
}
