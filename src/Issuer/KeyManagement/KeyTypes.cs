using System.Security.Cryptography;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Configuration names and algorithm choices for <see cref="KeyType"/>: <c>ec-p256</c>,
/// <c>ec-p384</c>, <c>rsa-2048</c>, <c>rsa-4096</c>.
/// </summary>
internal static class KeyTypes
{
    /// <summary>The configuration names accepted by <see cref="Parse"/>, in enum order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ec-p256", "ec-p384", "rsa-2048", "rsa-4096"];

    /// <summary>Parses a configuration name (case-insensitive).</summary>
    /// <exception cref="FormatException">The name is not one of <see cref="Names"/>.</exception>
    public static KeyType Parse(string? name)
    {
        if (TryParse(name, out var keyType))
        {
            return keyType;
        }

        throw new FormatException($"unknown key type '{name}'; allowed values are {string.Join(", ", Names)}");
    }

    /// <summary>Parses a configuration name (case-insensitive); false when it is not one of <see cref="Names"/>.</summary>
    public static bool TryParse(string? name, out KeyType keyType)
    {
        keyType = name?.Trim().ToLowerInvariant() switch
        {
            "ec-p256" => KeyType.EcP256,
            "ec-p384" => KeyType.EcP384,
            "rsa-2048" => KeyType.Rsa2048,
            "rsa-4096" => KeyType.Rsa4096,
            _ => KeyType.Unspecified,
        };
        return keyType != KeyType.Unspecified;
    }

    /// <summary>The configuration name of a key type.</summary>
    public static string Format(KeyType keyType) => keyType switch
    {
        KeyType.EcP256 => "ec-p256",
        KeyType.EcP384 => "ec-p384",
        KeyType.Rsa2048 => "rsa-2048",
        KeyType.Rsa4096 => "rsa-4096",
        _ => throw Unsupported(keyType),
    };

    /// <summary>True for the ECDSA key types.</summary>
    public static bool IsEcdsa(KeyType keyType) => keyType switch
    {
        KeyType.EcP256 or KeyType.EcP384 => true,
        KeyType.Rsa2048 or KeyType.Rsa4096 => false,
        _ => throw Unsupported(keyType),
    };

    /// <summary>The JWS <c>alg</c> for JWT-SVIDs signed with this key type: ES256, ES384 or RS256.</summary>
    public static string JwtAlgorithm(KeyType keyType) => keyType switch
    {
        KeyType.EcP256 => "ES256",
        KeyType.EcP384 => "ES384",
        KeyType.Rsa2048 or KeyType.Rsa4096 => "RS256",
        _ => throw Unsupported(keyType),
    };

    /// <summary>The hash to sign with: SHA-256 for P-256 and RSA, SHA-384 for P-384.</summary>
    public static HashAlgorithmName DefaultHash(KeyType keyType) => keyType switch
    {
        KeyType.EcP256 or KeyType.Rsa2048 or KeyType.Rsa4096 => HashAlgorithmName.SHA256,
        KeyType.EcP384 => HashAlgorithmName.SHA384,
        _ => throw Unsupported(keyType),
    };

    /// <summary>Throws when <paramref name="keyType"/> is <see cref="KeyType.Unspecified"/> or not a defined value.</summary>
    public static void ThrowIfUnsupported(KeyType keyType, string paramName)
    {
        if (keyType is not (KeyType.EcP256 or KeyType.EcP384 or KeyType.Rsa2048 or KeyType.Rsa4096))
        {
            throw new ArgumentException(
                $"key type {keyType} is not supported; use one of {string.Join(", ", Names)}", paramName);
        }
    }

    private static ArgumentOutOfRangeException Unsupported(KeyType keyType) =>
        new(nameof(keyType), keyType, $"key type {keyType} is not supported; use one of {string.Join(", ", Names)}");
}
