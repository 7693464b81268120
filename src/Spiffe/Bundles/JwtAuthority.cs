using System.Security.Cryptography;

namespace IdentityIssuer.Spiffe.Bundles;

/// <summary>A JWT-SVID signing key of a trust domain: a key ID and a DER SubjectPublicKeyInfo (EC or RSA).</summary>
public sealed class JwtAuthority
{
    private readonly byte[] _subjectPublicKeyInfo;

    /// <exception cref="ArgumentException">The key ID is empty, or the key is not an EC (P-256/384/521) or RSA public key.</exception>
    public JwtAuthority(string keyId, byte[] subjectPublicKeyInfo)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(subjectPublicKeyInfo);
        if (keyId.Length == 0)
        {
            throw new ArgumentException("key ID cannot be empty", nameof(keyId));
        }

        _subjectPublicKeyInfo = (byte[])subjectPublicKeyInfo.Clone();
        try
        {
            using var key = Import(_subjectPublicKeyInfo);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"JWT authority '{keyId}' has an unusable public key: {e.Message}", nameof(subjectPublicKeyInfo), e);
        }

        KeyId = keyId;
    }

    public string KeyId { get; }

    /// <summary>The DER SubjectPublicKeyInfo (a copy; changing it does not change the authority).</summary>
#pragma warning disable CA1819 // The contract exposes the DER bytes; a copy keeps the authority immutable.
    public byte[] SubjectPublicKeyInfo => (byte[])_subjectPublicKeyInfo.Clone();
#pragma warning restore CA1819

    /// <summary>Imports the public key: an <see cref="ECDsa"/> or an <see cref="RSA"/>. The caller disposes it.</summary>
    public AsymmetricAlgorithm ImportPublicKey() => Import(_subjectPublicKeyInfo);

    internal ReadOnlySpan<byte> SubjectPublicKeyInfoSpan => _subjectPublicKeyInfo;

    private static AsymmetricAlgorithm Import(byte[] spki)
    {
        var info = PublicKeyInfo.Read(spki);
        if (info.IsEc)
        {
            if (EcCurves.ByOid(info.CurveOid) is null)
            {
                throw new CryptographicException($"unsupported EC curve {info.CurveOid ?? "(explicit parameters)"}; expected P-256, P-384 or P-521");
            }

            var ec = ECDsa.Create();
            try
            {
                ec.ImportSubjectPublicKeyInfo(spki, out _);
                return ec;
            }
            catch
            {
                ec.Dispose();
                throw;
            }
        }

        if (info.IsRsa)
        {
            var rsa = RSA.Create();
            try
            {
                rsa.ImportSubjectPublicKeyInfo(spki, out _);
                return rsa;
            }
            catch
            {
                rsa.Dispose();
                throw;
            }
        }

        throw new CryptographicException($"unsupported public key algorithm {info.AlgorithmOid}; expected EC or RSA");
    }
}
