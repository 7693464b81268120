using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IdentityIssuer.Spiffe.Bundles;

/// <summary>
/// Conversion between DER SubjectPublicKeyInfo and JSON Web Keys (RFC 7517/7518): EC keys on
/// P-256/P-384/P-521 (<c>crv</c>, <c>x</c>, <c>y</c>) and RSA keys (<c>n</c>, <c>e</c>).
/// </summary>
public static class Jwk
{
    internal const string KeyTypeEc = "EC";
    internal const string KeyTypeRsa = "RSA";

    /// <summary>Builds a public JWK. <paramref name="x5c"/>, when given, is written as a one-element standard-base64 array.</summary>
    /// <exception cref="SpiffeBundleException">The key is not an EC (P-256/384/521) or RSA public key.</exception>
    public static JsonObject FromSubjectPublicKeyInfo(byte[] spki, string? kid, string? use, X509Certificate2? x5c = null)
    {
        ArgumentNullException.ThrowIfNull(spki);
        PublicKeyInfo info;
        try
        {
            info = PublicKeyInfo.Read(spki);
        }
        catch (CryptographicException e)
        {
            throw new SpiffeBundleException(e.Message, e);
        }

        var jwk = new JsonObject();
        if (info.IsEc)
        {
            var curve = EcCurves.ByOid(info.CurveOid)
                ?? throw new SpiffeBundleException($"unsupported EC curve {info.CurveOid ?? "(explicit parameters)"}; expected P-256, P-384 or P-521");
            using var ec = ECDsa.Create();
            ImportOrThrow(() => ec.ImportSubjectPublicKeyInfo(spki, out _));
            var q = ec.ExportParameters(false).Q;
            jwk["kty"] = KeyTypeEc;
            AddCommon(jwk, kid, use);
            jwk["crv"] = curve.Crv;
            jwk["x"] = Base64UrlStrict.Encode(LeftPad(q.X!, curve.CoordinateBytes));
            jwk["y"] = Base64UrlStrict.Encode(LeftPad(q.Y!, curve.CoordinateBytes));
        }
        else if (info.IsRsa)
        {
            using var rsa = RSA.Create();
            ImportOrThrow(() => rsa.ImportSubjectPublicKeyInfo(spki, out _));
            var parameters = rsa.ExportParameters(false);
            jwk["kty"] = KeyTypeRsa;
            AddCommon(jwk, kid, use);
            jwk["n"] = Base64UrlStrict.Encode(TrimLeadingZeros(parameters.Modulus!));
            jwk["e"] = Base64UrlStrict.Encode(TrimLeadingZeros(parameters.Exponent!));
        }
        else
        {
            throw new SpiffeBundleException($"unsupported public key algorithm {info.AlgorithmOid}; expected EC or RSA");
        }

        if (x5c is not null)
        {
            jwk["x5c"] = new JsonArray(Convert.ToBase64String(x5c.RawData));
        }

        return jwk;
    }

    /// <summary>Reads the public key of a JWK into a DER SubjectPublicKeyInfo.</summary>
    /// <exception cref="SpiffeBundleException">The JWK is malformed, private, or of an unsupported kty/crv.</exception>
    public static byte[] ToSubjectPublicKeyInfo(JsonElement jwk)
    {
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            throw new SpiffeBundleException("JWK must be a JSON object");
        }

        if (jwk.TryGetProperty("d", out _))
        {
            throw new SpiffeBundleException("JWK contains private key material ('d'); only public keys are allowed");
        }

        var kty = GetString(jwk, "kty");
        switch (kty)
        {
            case KeyTypeEc:
                return EcToSpki(jwk);
            case KeyTypeRsa:
                return RsaToSpki(jwk);
            case null:
                throw new SpiffeBundleException("JWK has no kty");
            default:
                throw new SpiffeBundleException($"unsupported JWK key type '{kty}'; expected EC or RSA");
        }
    }

    internal static bool IsSupportedKeyType(string? kty) => kty is KeyTypeEc or KeyTypeRsa;

    internal static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] EcToSpki(JsonElement jwk)
    {
        var crv = GetString(jwk, "crv");
        var curve = EcCurves.ByCrv(crv)
            ?? throw new SpiffeBundleException(crv is null
                ? "EC JWK has no crv"
                : $"unsupported EC curve '{crv}'; expected P-256, P-384 or P-521");
        var x = GetCoordinate(jwk, "x", curve.Crv, curve.CoordinateBytes);
        var y = GetCoordinate(jwk, "y", curve.Crv, curve.CoordinateBytes);
        var parameters = new ECParameters
        {
            Curve = ECCurve.CreateFromValue(curve.Oid),
            Q = new ECPoint { X = x, Y = y },
        };
        try
        {
            using var ec = ECDsa.Create(parameters);
            return ec.ExportSubjectPublicKeyInfo();
        }
        catch (CryptographicException e)
        {
            throw new SpiffeBundleException($"EC JWK is not a valid {curve.Crv} public key: {e.Message}", e);
        }
    }

    private static byte[] RsaToSpki(JsonElement jwk)
    {
        var n = TrimLeadingZeros(GetBytes(jwk, "n", "RSA"));
        var e = TrimLeadingZeros(GetBytes(jwk, "e", "RSA"));
        if (n.Length == 0 || e.Length == 0)
        {
            throw new SpiffeBundleException("RSA JWK has an empty modulus or exponent");
        }

        try
        {
            using var rsa = RSA.Create(new RSAParameters { Modulus = n, Exponent = e });
            return rsa.ExportSubjectPublicKeyInfo();
        }
        catch (CryptographicException ex)
        {
            throw new SpiffeBundleException($"RSA JWK is not a valid public key: {ex.Message}", ex);
        }
    }

    private static byte[] GetCoordinate(JsonElement jwk, string name, string crv, int size)
    {
        var bytes = GetBytes(jwk, name, "EC");
        if (bytes.Length != size)
        {
            throw new SpiffeBundleException($"EC JWK '{name}' must be {size} bytes for {crv}, got {bytes.Length}");
        }

        return bytes;
    }

    private static byte[] GetBytes(JsonElement jwk, string name, string kty)
    {
        var text = GetString(jwk, name) ?? throw new SpiffeBundleException($"{kty} JWK has no '{name}'");
        return Base64UrlStrict.TryDecode(text, out var bytes)
            ? bytes
            : throw new SpiffeBundleException($"{kty} JWK '{name}' is not unpadded base64url");
    }

    private static void AddCommon(JsonObject jwk, string? kid, string? use)
    {
        if (use is not null)
        {
            jwk["use"] = use;
        }

        if (kid is not null)
        {
            jwk["kid"] = kid;
        }
    }

    private static void ImportOrThrow(Action import)
    {
        try
        {
            import();
        }
        catch (CryptographicException e)
        {
            throw new SpiffeBundleException($"subjectPublicKeyInfo cannot be imported: {e.Message}", e);
        }
    }

    private static byte[] LeftPad(byte[] value, int size)
    {
        if (value.Length >= size)
        {
            return value;
        }

        var padded = new byte[size];
        value.CopyTo(padded, size - value.Length);
        return padded;
    }

    private static byte[] TrimLeadingZeros(byte[] value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return start == 0 ? value : value[start..];
    }
}
