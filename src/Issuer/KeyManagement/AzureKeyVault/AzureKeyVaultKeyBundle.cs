using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>
/// A Key Vault key bundle as the manager uses it: the name and version from <c>key.kid</c>, the key
/// type and public key from the JWK, whether the version is enabled, and the key-id tag.
/// </summary>
internal sealed record AzureKeyVaultKeyBundle(string Name, string Version, KeyType KeyType, byte[] SubjectPublicKeyInfo, bool Enabled, string? TaggedKeyId)
{
    /// <summary>The public key as .NET's <see cref="System.Security.Cryptography.X509Certificates.PublicKey"/> (a new object per call).</summary>
    public PublicKey PublicKey => PublicKey.CreateFromSubjectPublicKeyInfo(SubjectPublicKeyInfo, out _);

    /// <summary>Reads a key bundle from <paramref name="document"/>; throws <see cref="KeyManagerException"/> when it is not a usable one.</summary>
    public static AzureKeyVaultKeyBundle Parse(JsonDocument document, Uri vault)
    {
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("key", out var jwk) || jwk.ValueKind != JsonValueKind.Object
            || !jwk.TryGetProperty("kid", out var kid) || kid.GetString() is not { } kidText
            || !TryParseKid(kidText, vault, out var name, out var version) || version is null)
        {
            throw new KeyManagerException($"vault {vault} returned a key without a usable key.kid", isTransient: false);
        }

        var enabled = !(root.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object
            && attributes.TryGetProperty("enabled", out var e) && e.ValueKind == JsonValueKind.False);
        var (keyType, spki) = PublicKeyOf(jwk, name, vault);
        return new AzureKeyVaultKeyBundle(name, version, keyType, spki, enabled, ReadKeyIdTag(root));
    }

    /// <summary>The <see cref="AzureKeyVaultKeyNames.KeyIdTag"/> tag of a key bundle or key item, if any.</summary>
    public static string? ReadKeyIdTag(JsonElement item) =>
        item.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
        && tags.TryGetProperty(AzureKeyVaultKeyNames.KeyIdTag, out var tag) && tag.ValueKind == JsonValueKind.String
            ? tag.GetString()
            : null;

    /// <summary>Splits <c>https://vault/keys/{name}[/{version}]</c>; false when it is not a key id of <paramref name="vault"/>.</summary>
    public static bool TryParseKid(string kid, Uri vault, out string name, out string? version)
    {
        name = string.Empty;
        version = null;
        if (!Uri.TryCreate(kid, UriKind.Absolute, out var uri)
            || !string.Equals(uri.Host, vault.Host, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var segments = uri.AbsolutePath.Trim('/').Split('/');
        if (segments.Length is < 2 or > 3 || segments[0] != "keys" || segments[1].Length == 0)
        {
            return false;
        }

        name = Uri.UnescapeDataString(segments[1]);
        version = segments.Length == 3 && segments[2].Length > 0 ? Uri.UnescapeDataString(segments[2]) : null;
        return true;
    }

    /// <summary>Decodes base64url (no padding); null when it is not base64url.</summary>
    public static byte[]? TryDecodeBase64Url(string text)
    {
        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(text.TrimEnd('='));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static (KeyType KeyType, byte[] Spki) PublicKeyOf(JsonElement jwk, string name, Uri vault)
    {
        var kty = jwk.TryGetProperty("kty", out var k) ? k.GetString() : null;
        switch (kty)
        {
            case "EC" or "EC-HSM":
                {
                    var crv = jwk.TryGetProperty("crv", out var c) ? c.GetString() : null;
                    var (keyType, curve, size) = crv switch
                    {
                        "P-256" => (KeyType.EcP256, ECCurve.NamedCurves.nistP256, 32),
                        "P-384" => (KeyType.EcP384, ECCurve.NamedCurves.nistP384, 48),
                        _ => throw Unsupported($"{kty} {crv}"),
                    };
                    var x = Coordinate(jwk, "x");
                    var y = Coordinate(jwk, "y");
                    if (x is null || y is null || x.Length != size || y.Length != size)
                    {
                        throw Unusable("its EC public key coordinates are missing or of the wrong size");
                    }

                    using var ec = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } });
                    return (keyType, ec.ExportSubjectPublicKeyInfo());
                }

            case "RSA" or "RSA-HSM":
                {
                    var n = Coordinate(jwk, "n");
                    var e = Coordinate(jwk, "e");
                    if (n is null || e is null || e.Length == 0)
                    {
                        throw Unusable("its RSA modulus or exponent is missing");
                    }

                    var modulus = n.AsSpan().TrimStart((byte)0).ToArray();
                    var keyType = modulus.Length switch
                    {
                        256 => KeyType.Rsa2048,
                        512 => KeyType.Rsa4096,
                        _ => throw Unsupported($"RSA {modulus.Length * 8}"),
                    };
                    using var rsa = RSA.Create(new RSAParameters { Modulus = modulus, Exponent = e });
                    return (keyType, rsa.ExportSubjectPublicKeyInfo());
                }

            default:
                throw Unsupported(kty ?? "(none)");
        }

        KeyManagerException Unsupported(string what) =>
            new($"key '{name}' in vault {vault} is a {what} key; this key manager uses EC P-256, EC P-384, RSA 2048 and RSA 4096 keys", isTransient: false);

        KeyManagerException Unusable(string why) => new($"key '{name}' in vault {vault} is unusable: {why}", isTransient: false);
    }

    private static byte[]? Coordinate(JsonElement jwk, string property) =>
        jwk.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? TryDecodeBase64Url(value.GetString()!) : null;
}
