using System.Security.Cryptography;

namespace IdentityIssuer.Spiffe.Jwt;

/// <summary>
/// The JWS algorithms a JWT-SVID may use (JWT-SVID §3): RS256/384/512, ES256/384/512 (ES512 is
/// P-521) and PS256/384/512. Everything else, including <c>none</c>, HS* and EdDSA, is unsupported.
/// </summary>
public static class JwtAlgorithms
{
    public const string RS256 = "RS256";
    public const string RS384 = "RS384";
    public const string RS512 = "RS512";
    public const string ES256 = "ES256";
    public const string ES384 = "ES384";
    public const string ES512 = "ES512";
    public const string PS256 = "PS256";
    public const string PS384 = "PS384";
    public const string PS512 = "PS512";

    /// <summary>Every supported algorithm name.</summary>
    public static IReadOnlyList<string> All { get; } = [RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512];

    /// <summary>True for an allow-listed algorithm name (case-sensitive).</summary>
    public static bool IsSupported(string? alg) => alg is not null && GetKeyFamily(alg) != JwtKeyFamily.Unspecified;

    /// <summary>The hash of a supported algorithm.</summary>
    public static bool TryGetHash(string alg, out HashAlgorithmName hash)
    {
        ArgumentNullException.ThrowIfNull(alg);
        hash = alg switch
        {
            RS256 or ES256 or PS256 => HashAlgorithmName.SHA256,
            RS384 or ES384 or PS384 => HashAlgorithmName.SHA384,
            RS512 or ES512 or PS512 => HashAlgorithmName.SHA512,
            _ => default,
        };
        return hash != default;
    }

    /// <summary>The key family of <paramref name="alg"/>; <see cref="JwtKeyFamily.Unspecified"/> when unsupported.</summary>
    public static JwtKeyFamily GetKeyFamily(string alg)
    {
        ArgumentNullException.ThrowIfNull(alg);
        return alg switch
        {
            ES256 or ES384 or ES512 => JwtKeyFamily.Ecdsa,
            RS256 or RS384 or RS512 => JwtKeyFamily.RsaPkcs1,
            PS256 or PS384 or PS512 => JwtKeyFamily.RsaPss,
            _ => JwtKeyFamily.Unspecified,
        };
    }

    /// <summary>The curve size in bits an ES* algorithm requires (ES512 → 521); 0 for other algorithms.</summary>
    public static int GetEcCurveSize(string alg)
    {
        ArgumentNullException.ThrowIfNull(alg);
        return alg switch
        {
            ES256 => 256,
            ES384 => 384,
            ES512 => 521,
            _ => 0,
        };
    }

    /// <summary>The ES* algorithm for a NIST curve size: 256 → ES256, 384 → ES384, 521 → ES512.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not 256, 384 or 521.</exception>
    public static string ForEcCurveSize(int bits) => bits switch
    {
        256 => ES256,
        384 => ES384,
        521 => ES512,
        _ => throw new ArgumentOutOfRangeException(nameof(bits), bits, "EC JWT-SVID keys must be P-256, P-384 or P-521"),
    };

    /// <summary>The algorithm for signing with <paramref name="key"/>: ES* by curve size for ECDSA, RS256 for RSA.</summary>
    /// <exception cref="ArgumentException">The key is neither ECDSA nor RSA.</exception>
    public static string ForKey(AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key switch
        {
            ECDsa ec => ForEcCurveSize(ec.KeySize),
            RSA => RS256,
            _ => throw new ArgumentException($"unsupported key type {key.GetType().Name}; expected ECDsa or RSA", nameof(key)),
        };
    }
}
