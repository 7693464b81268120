using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IdentityIssuer.Spiffe.Bundles;

namespace IdentityIssuer.Spiffe.Jwt;

/// <summary>
/// Validates JWT-SVIDs (JWT-SVID §3–§4) in this order: compact JWS form; header (alg allow-list first,
/// then only alg/kid/typ, typ JWT or JOSE, kid required); sub and exp present; sub a SPIFFE ID; the
/// key by kid from the bundle of sub's trust domain; the signature; aud overlapping the expected
/// audience; exp, nbf and iat against the clock with leeway.
/// </summary>
public static class JwtSvidValidator
{
    /// <summary>The clock leeway used when none is given (the go-jose default).</summary>
    public static readonly TimeSpan DefaultLeeway = TimeSpan.FromMinutes(1);

    private static readonly string[] AllowedHeaders = ["alg", "kid", "typ"];

    /// <exception cref="ArgumentException"><paramref name="expectedAudience"/> is empty.</exception>
    public static JwtSvidValidationResult Validate(
        string token,
        IReadOnlyCollection<string> expectedAudience,
        IJwtBundleSource bundles,
        DateTimeOffset now,
        TimeSpan? leeway = null)
    {
        ArgumentNullException.ThrowIfNull(expectedAudience);
        ArgumentNullException.ThrowIfNull(bundles);
        if (expectedAudience.Count == 0)
        {
            throw new ArgumentException("at least one expected audience is required", nameof(expectedAudience));
        }

        var skew = leeway ?? DefaultLeeway;
        ArgumentOutOfRangeException.ThrowIfLessThan(skew, TimeSpan.Zero, nameof(leeway));

        if (string.IsNullOrEmpty(token))
        {
            return Fail("token is empty");
        }

        if (token.TrimStart().StartsWith('{'))
        {
            return Fail("JWS JSON serialization is not allowed; a JWT-SVID must use compact serialization");
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return Fail(parts.Length == 5
                ? "token is a JWE (5 parts); a JWT-SVID must be a compact JWS"
                : $"token must be a compact JWS of 3 dot-separated parts, found {parts.Length}");
        }

        if (!TryReadObject(parts[0], "header", out var headerDocument, out var error))
        {
            return Fail(error);
        }

        using (headerDocument)
        {
            var headerError = CheckHeader(headerDocument.RootElement, out var alg, out var kid);
            if (headerError is not null)
            {
                return Fail(headerError);
            }

            if (!TryReadObject(parts[1], "payload", out var claimsDocument, out error))
            {
                return Fail(error);
            }

            using (claimsDocument)
            {
                return ValidateClaimsAndSignature(parts, alg, kid, claimsDocument.RootElement, expectedAudience, bundles, now, skew);
            }
        }
    }

    private static JwtSvidValidationResult ValidateClaimsAndSignature(
        string[] parts,
        string alg,
        string kid,
        JsonElement claims,
        IReadOnlyCollection<string> expectedAudience,
        IJwtBundleSource bundles,
        DateTimeOffset now,
        TimeSpan leeway)
    {
        if (!claims.TryGetProperty("sub", out var subElement) || subElement.ValueKind != JsonValueKind.String)
        {
            return Fail(subElement.ValueKind == JsonValueKind.Undefined ? "token has no sub claim" : "sub claim must be a string");
        }

        if (!claims.TryGetProperty("exp", out var expElement))
        {
            return Fail("token has no exp claim");
        }

        if (!TryReadNumericDate(expElement, out var expiresAt))
        {
            return Fail("exp claim must be a NumericDate");
        }

        var sub = subElement.GetString()!;
        if (!SpiffeId.TryParse(sub, out var id, out var idError))
        {
            return Fail($"sub claim '{sub}' is not a valid SPIFFE ID: {idError}");
        }

        var td = id.TrustDomain;
        var authorities = bundles.GetJwtAuthorities(td);
        if (authorities is null)
        {
            return Fail($"no JWT bundle for trust domain {td}");
        }

        var authority = authorities.FirstOrDefault(a => string.Equals(a.KeyId, kid, StringComparison.Ordinal));
        if (authority is null)
        {
            return Fail($"no JWT authority with key ID '{kid}' in the bundle of trust domain {td}");
        }

        var signatureError = VerifySignature(parts, alg, authority);
        if (signatureError is not null)
        {
            return Fail(signatureError);
        }

        var audienceError = ReadAudience(claims, out var audience);
        if (audienceError is not null)
        {
            return Fail(audienceError);
        }

        if (!audience.Any(a => expectedAudience.Contains(a, StringComparer.Ordinal)))
        {
            return Fail($"aud [{string.Join(", ", audience)}] does not include any expected audience [{string.Join(", ", expectedAudience)}]");
        }

        if (now > expiresAt + leeway)
        {
            return Fail($"token expired at {Format(expiresAt)} (now {Format(now)}, leeway {leeway.TotalSeconds:0}s)");
        }

        var timeError = CheckNotInFuture(claims, "nbf", "token is not valid until", now, leeway)
            ?? CheckNotInFuture(claims, "iat", "token was issued in the future at", now, leeway);
        if (timeError is not null)
        {
            return Fail(timeError);
        }

        return JwtSvidValidationResult.Success(id, audience, expiresAt, claims.Clone());
    }

    private static string? CheckHeader(JsonElement header, out string alg, out string kid)
    {
        alg = string.Empty;
        kid = string.Empty;

        // The algorithm is judged before anything else, so "none", HS* and EdDSA never get further.
        if (!header.TryGetProperty("alg", out var algElement) || algElement.ValueKind != JsonValueKind.String)
        {
            return "token header has no alg";
        }

        alg = algElement.GetString()!;
        if (!JwtAlgorithms.IsSupported(alg))
        {
            return $"alg '{alg}' is not allowed; expected one of {string.Join(", ", JwtAlgorithms.All)}";
        }

        foreach (var property in header.EnumerateObject())
        {
            if (!AllowedHeaders.Contains(property.Name, StringComparer.Ordinal))
            {
                return $"header parameter '{property.Name}' is not allowed; a JWT-SVID header may only hold alg, kid and typ";
            }
        }

        if (header.TryGetProperty("typ", out var typ) &&
            (typ.ValueKind != JsonValueKind.String || typ.GetString() is not ("JWT" or "JOSE")))
        {
            return $"typ {typ.GetRawText()} is not allowed; expected JWT or JOSE";
        }

        if (!header.TryGetProperty("kid", out var kidElement) || kidElement.ValueKind != JsonValueKind.String ||
            string.IsNullOrEmpty(kidElement.GetString()))
        {
            return "token header missing key id (kid)";
        }

        kid = kidElement.GetString()!;
        return null;
    }

    private static string? VerifySignature(string[] parts, string alg, JwtAuthority authority)
    {
        if (!Base64UrlStrict.TryDecode(parts[2], out var signature) || signature.Length == 0)
        {
            return "signature is missing or not base64url";
        }

        if (!JwtAlgorithms.TryGetHash(alg, out var hash))
        {
            return $"alg '{alg}' is not allowed";
        }

        var signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var family = JwtAlgorithms.GetKeyFamily(alg);
        using var key = authority.ImportPublicKey();
        try
        {
            switch (family, key)
            {
                case (JwtKeyFamily.Ecdsa, ECDsa ec):
                    var curveSize = JwtAlgorithms.GetEcCurveSize(alg);
                    if (ec.KeySize != curveSize)
                    {
                        return $"key '{authority.KeyId}' is a {ec.KeySize}-bit EC key but alg {alg} needs a {curveSize}-bit curve";
                    }

                    return ec.VerifyData(signingInput, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
                        ? null
                        : "signature is invalid";
                case (JwtKeyFamily.RsaPkcs1, RSA rsa):
                    return rsa.VerifyData(signingInput, signature, hash, RSASignaturePadding.Pkcs1) ? null : "signature is invalid";
                case (JwtKeyFamily.RsaPss, RSA rsa):
                    // .NET's PSS uses a salt as long as the hash, which is what RFC 7518 §3.5 requires.
                    return rsa.VerifyData(signingInput, signature, hash, RSASignaturePadding.Pss) ? null : "signature is invalid";
                default:
                    return $"key '{authority.KeyId}' is an {(key is RSA ? "RSA" : "EC")} key, which alg {alg} cannot use";
            }
        }
        catch (CryptographicException)
        {
            return "signature is invalid";
        }
    }

    private static string? ReadAudience(JsonElement claims, out IReadOnlyList<string> audience)
    {
        audience = [];
        if (!claims.TryGetProperty("aud", out var aud))
        {
            return "token has no aud claim";
        }

        if (aud.ValueKind == JsonValueKind.String)
        {
            audience = [aud.GetString()!];
            return null;
        }

        if (aud.ValueKind != JsonValueKind.Array)
        {
            return "aud claim must be a string or an array of strings";
        }

        var values = new List<string>();
        foreach (var item in aud.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return "aud claim must be a string or an array of strings";
            }

            values.Add(item.GetString()!);
        }

        if (values.Count == 0)
        {
            return "aud claim is empty";
        }

        audience = values;
        return null;
    }

    private static string? CheckNotInFuture(JsonElement claims, string name, string message, DateTimeOffset now, TimeSpan leeway)
    {
        if (!claims.TryGetProperty(name, out var element))
        {
            return null;
        }

        if (!TryReadNumericDate(element, out var time))
        {
            return $"{name} claim must be a NumericDate";
        }

        return time > now + leeway ? $"{message} {Format(time)} (now {Format(now)}, leeway {leeway.TotalSeconds:0}s)" : null;
    }

    private static bool TryReadNumericDate(JsonElement element, out DateTimeOffset time)
    {
        time = default;
        const double min = -62135596800; // 0001-01-01
        const double max = 253402300799; // 9999-12-31T23:59:59
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var seconds) ||
            !double.IsFinite(seconds) || seconds < min || seconds > max)
        {
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    private static bool TryReadObject(string part, string name, out JsonDocument document, out string error)
    {
        document = null!;
        if (!Base64UrlStrict.TryDecode(part, out var bytes) || bytes.Length == 0)
        {
            error = $"token {name} is not unpadded base64url";
            return false;
        }

        try
        {
            document = JsonDocument.Parse(bytes, StrictJson.DocumentOptions);
        }
        catch (JsonException e)
        {
            error = $"token {name} is not valid JSON: {e.Message}";
            return false;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            error = $"token {name} is not a JSON object";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static JwtSvidValidationResult Fail(string error) => JwtSvidValidationResult.Failure(error);

    private static string Format(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
