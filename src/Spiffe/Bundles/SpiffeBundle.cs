using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Spiffe.Bundles;

/// <summary>
/// A SPIFFE bundle (SPIFFE Trust Domain and Bundle §4): the X.509 and JWT authorities of one trust
/// domain, with an optional sequence number and refresh hint. A bundle carries no trust domain name
/// on the wire, so it is always held together with its <see cref="TrustDomain"/>.
/// </summary>
public sealed class SpiffeBundle
{
    internal const string UseX509Svid = "x509-svid";
    internal const string UseJwtSvid = "jwt-svid";

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        // Base64 '+' and '/' stay readable; the document is served as application/json, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        AllowDuplicateProperties = false,
    };

    /// <exception cref="ArgumentException">Two JWT authorities share a key ID.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The sequence or refresh hint is negative.</exception>
    public SpiffeBundle(
        TrustDomain td,
        IEnumerable<X509Certificate2> x509Authorities,
        IEnumerable<JwtAuthority> jwtAuthorities,
        long? sequence = null,
        TimeSpan? refreshHint = null)
    {
        ArgumentNullException.ThrowIfNull(td);
        ArgumentNullException.ThrowIfNull(x509Authorities);
        ArgumentNullException.ThrowIfNull(jwtAuthorities);
        if (sequence < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "spiffe_sequence cannot be negative");
        }

        if (refreshHint < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(refreshHint), refreshHint, "spiffe_refresh_hint cannot be negative");
        }

        var jwt = jwtAuthorities.ToArray();
        var duplicate = jwt.GroupBy(a => a.KeyId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"JWT key ID '{duplicate.Key}' appears more than once", nameof(jwtAuthorities));
        }

        TrustDomain = td;
        X509Authorities = x509Authorities.ToArray();
        JwtAuthorities = jwt;
        Sequence = sequence;
        RefreshHint = refreshHint;
    }

    public TrustDomain TrustDomain { get; }

    public IReadOnlyList<X509Certificate2> X509Authorities { get; }

    public IReadOnlyList<JwtAuthority> JwtAuthorities { get; }

    /// <summary><c>spiffe_sequence</c>; null when absent.</summary>
    public long? Sequence { get; }

    /// <summary><c>spiffe_refresh_hint</c>; null when absent (clients then use a low default, about 5 minutes).</summary>
    public TimeSpan? RefreshHint { get; }

    /// <summary>
    /// The SPIFFE bundle document: <c>x509-svid</c> keys (one standard-base64 <c>x5c</c>, no <c>kid</c>),
    /// <c>jwt-svid</c> keys (with <c>kid</c>), then <c>spiffe_refresh_hint</c> (whole seconds, rounded up)
    /// and <c>spiffe_sequence</c> when set.
    /// </summary>
    public string ToJson() => ToJsonObject(includeRefreshHint: true).ToJsonString(WriteOptions);

    /// <summary>
    /// A standard JWKS holding only the JWT keys, each with <c>kid</c> and without <c>use</c> or any
    /// <c>spiffe_*</c> member: the form the Workload API's JWT bundle responses carry.
    /// </summary>
    public string ToJwtJwks()
    {
        var keys = new JsonArray();
        foreach (var authority in JwtAuthorities)
        {
            keys.Add(Jwk.FromSubjectPublicKeyInfo(authority.SubjectPublicKeyInfo, authority.KeyId, use: null));
        }

        return new JsonObject { ["keys"] = keys }.ToJsonString(WriteOptions);
    }

    public X509Bundle ToX509Bundle() => new(TrustDomain, X509Authorities);

    /// <summary>Parses a SPIFFE bundle document of trust domain <paramref name="td"/>.</summary>
    /// <exception cref="SpiffeBundleException">The document breaks a bundle rule; the message names it.</exception>
    public static SpiffeBundle Parse(TrustDomain td, ReadOnlySpan<byte> utf8Json)
    {
        ArgumentNullException.ThrowIfNull(td);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), ReadOptions);
        }
        catch (JsonException e)
        {
            throw new SpiffeBundleException($"bundle is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            return Parse(td, document.RootElement);
        }
    }

    internal JsonObject ToJsonObject(bool includeRefreshHint)
    {
        var keys = new JsonArray();
        foreach (var authority in X509Authorities)
        {
            keys.Add(Jwk.FromSubjectPublicKeyInfo(authority.PublicKey.ExportSubjectPublicKeyInfo(), kid: null, UseX509Svid, authority));
        }

        foreach (var authority in JwtAuthorities)
        {
            keys.Add(Jwk.FromSubjectPublicKeyInfo(authority.SubjectPublicKeyInfo, authority.KeyId, UseJwtSvid));
        }

        var root = new JsonObject { ["keys"] = keys };
        if (includeRefreshHint && RefreshHint is { } hint)
        {
            root["spiffe_refresh_hint"] = (hint.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        }

        if (Sequence is { } sequence)
        {
            root["spiffe_sequence"] = sequence;
        }

        return root;
    }

    internal static SpiffeBundle Parse(TrustDomain td, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new SpiffeBundleException("bundle must be a JSON object");
        }

        // JsonDocument with duplicate detection is not always the source (bundle maps), so check here too.
        CheckNoDuplicateMembers(root, "bundle");
        if (!root.TryGetProperty("keys", out var keys))
        {
            throw new SpiffeBundleException("bundle has no 'keys' member; no authorities found");
        }

        if (keys.ValueKind != JsonValueKind.Array)
        {
            throw new SpiffeBundleException("bundle 'keys' member must be an array");
        }

        var x509 = new List<X509Certificate2>();
        var jwt = new List<JwtAuthority>();
        var index = 0;
        foreach (var entry in keys.EnumerateArray())
        {
            ParseEntry(entry, index++, x509, jwt);
        }

        return new SpiffeBundle(
            td,
            x509,
            jwt,
            ReadSequence(root),
            ReadRefreshHint(root));
    }

    private static void ParseEntry(JsonElement entry, int index, List<X509Certificate2> x509, List<JwtAuthority> jwt)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new SpiffeBundleException($"key entry {index} is not a JSON object");
        }

        CheckNoDuplicateMembers(entry, $"key entry {index}");

        // Unknown key types and missing or unknown uses are ignored, as the bundle format requires.
        var use = Jwk.GetString(entry, "use");
        if (use is not (UseX509Svid or UseJwtSvid) || !Jwk.IsSupportedKeyType(Jwk.GetString(entry, "kty")))
        {
            return;
        }

        if (use == UseX509Svid)
        {
            x509.Add(ParseX509Entry(entry, index));
        }
        else
        {
            var authority = ParseJwtEntry(entry, index);
            if (jwt.Exists(a => a.KeyId == authority.KeyId))
            {
                throw new SpiffeBundleException($"jwt-svid entry {index} repeats key ID '{authority.KeyId}'");
            }

            jwt.Add(authority);
        }
    }

    private static X509Certificate2 ParseX509Entry(JsonElement entry, int index)
    {
        if (entry.TryGetProperty("kid", out _))
        {
            throw new SpiffeBundleException($"x509-svid entry {index} must not have a kid");
        }

        var count = entry.TryGetProperty("x5c", out var x5c) && x5c.ValueKind == JsonValueKind.Array ? x5c.GetArrayLength() : 0;
        if (count != 1)
        {
            throw new SpiffeBundleException($"expected a single certificate in x509-svid entry {index}; got {count}");
        }

        var value = x5c[0];
        byte[] der;
        try
        {
            der = Convert.FromBase64String(value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException());
        }
        catch (FormatException e)
        {
            throw new SpiffeBundleException($"x509-svid entry {index} has an x5c value that is not standard base64", e);
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException e)
        {
            throw new SpiffeBundleException($"x509-svid entry {index} has an x5c value that is not a DER certificate: {e.Message}", e);
        }

        var jwkKey = WithEntry(index, UseX509Svid, () => Jwk.ToSubjectPublicKeyInfo(entry));
        if (!jwkKey.AsSpan().SequenceEqual(CanonicalSpki(certificate)))
        {
            certificate.Dispose();
            throw new SpiffeBundleException($"x509-svid entry {index}: the key parameters do not match the public key of the x5c certificate");
        }

        return certificate;
    }

    private static JwtAuthority ParseJwtEntry(JsonElement entry, int index)
    {
        var kid = Jwk.GetString(entry, "kid");
        if (string.IsNullOrEmpty(kid))
        {
            throw new SpiffeBundleException($"jwt-svid entry {index} has no kid; key ID cannot be empty");
        }

        var spki = WithEntry(index, UseJwtSvid, () => Jwk.ToSubjectPublicKeyInfo(entry));
        return new JwtAuthority(kid, spki);
    }

    // Re-export through the platform so both sides of the comparison use the same DER form.
    private static byte[] CanonicalSpki(X509Certificate2 certificate)
    {
        using var key = (AsymmetricAlgorithm?)certificate.GetECDsaPublicKey() ?? certificate.GetRSAPublicKey();
        return key?.ExportSubjectPublicKeyInfo() ?? certificate.PublicKey.ExportSubjectPublicKeyInfo();
    }

    private static T WithEntry<T>(int index, string use, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (SpiffeBundleException e)
        {
            throw new SpiffeBundleException($"{use} entry {index}: {e.Message}", e);
        }
    }

    private static long? ReadSequence(JsonElement root)
    {
        if (!root.TryGetProperty("spiffe_sequence", out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var sequence) && sequence >= 0
            ? sequence
            : throw new SpiffeBundleException($"spiffe_sequence must be a non-negative 64-bit integer (found {value.GetRawText()})");
    }

    private static TimeSpan? ReadRefreshHint(JsonElement root)
    {
        if (!root.TryGetProperty("spiffe_refresh_hint", out var value))
        {
            return null;
        }

        const long maxSeconds = long.MaxValue / TimeSpan.TicksPerSecond;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds is >= 0 and <= maxSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new SpiffeBundleException($"spiffe_refresh_hint must be a non-negative integer number of seconds (found {value.GetRawText()})");
    }

    private static void CheckNoDuplicateMembers(JsonElement obj, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw new SpiffeBundleException($"{where} has a duplicate '{property.Name}' member");
            }
        }
    }
}
