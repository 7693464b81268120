using System.Text.Json;
using IdentityIssuer.Spiffe.Bundles;

namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>
/// The JWT bundle form of the Workload API: a standard JWKS holding only JWT keys, each with a
/// <c>kid</c> (as go-spiffe's <c>jwtbundle.Parse</c> requires); <c>use</c> is ignored.
/// </summary>
public static class JwtBundleJwks
{
    /// <summary>Reads the JWT authorities of one trust domain's JWKS.</summary>
    /// <exception cref="SpiffeBundleException">The document is not a JWKS, a key has no kid, or a key is unusable.</exception>
    public static IReadOnlyList<JwtAuthority> Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), StrictJson.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new SpiffeBundleException($"JWT bundle is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new SpiffeBundleException("JWT bundle must be a JSON object with a 'keys' array");
            }

            var authorities = new List<JwtAuthority>();
            var index = 0;
            foreach (var key in keys.EnumerateArray())
            {
                var kid = key.ValueKind == JsonValueKind.Object && key.TryGetProperty("kid", out var kidElement) &&
                    kidElement.ValueKind == JsonValueKind.String ? kidElement.GetString() : null;
                if (string.IsNullOrEmpty(kid))
                {
                    throw new SpiffeBundleException($"JWT bundle key {index} has no kid");
                }

                if (authorities.Exists(a => a.KeyId == kid))
                {
                    throw new SpiffeBundleException($"JWT bundle key {index} repeats key ID '{kid}'");
                }

                byte[] spki;
                try
                {
                    spki = Jwk.ToSubjectPublicKeyInfo(key);
                }
                catch (SpiffeBundleException e)
                {
                    throw new SpiffeBundleException($"JWT bundle key {index} ('{kid}'): {e.Message}", e);
                }

                try
                {
                    authorities.Add(new JwtAuthority(kid, spki));
                }
                catch (ArgumentException e)
                {
                    throw new SpiffeBundleException($"JWT bundle key {index}: {e.Message}", e);
                }

                index++;
            }

            return authorities;
        }
    }
}
