using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IdentityIssuer.Spiffe.Bundles;

/// <summary>
/// A SPIFFE bundle map (<c>{"trust_domains": {"&lt;td&gt;": &lt;bundle&gt;, …}}</c>): one bundle per trust
/// domain, never merged. Parsing rejects a trust domain that appears twice.
/// </summary>
public sealed class SpiffeBundleMap
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Dictionary<TrustDomain, SpiffeBundle> _bundles;

    /// <exception cref="ArgumentException">Two bundles have the same trust domain.</exception>
    public SpiffeBundleMap(IEnumerable<SpiffeBundle> bundles)
    {
        ArgumentNullException.ThrowIfNull(bundles);
        _bundles = [];
        foreach (var bundle in bundles)
        {
            if (!_bundles.TryAdd(bundle.TrustDomain, bundle))
            {
                throw new ArgumentException($"trust domain {bundle.TrustDomain} appears more than once", nameof(bundles));
            }
        }
    }

    public IReadOnlyDictionary<TrustDomain, SpiffeBundle> Bundles => _bundles;

    public SpiffeBundle? GetBundle(TrustDomain td)
    {
        ArgumentNullException.ThrowIfNull(td);
        return _bundles.GetValueOrDefault(td);
    }

    /// <summary>Writes the map; per-bundle refresh hints are omitted, as producers should.</summary>
    public string ToJson()
    {
        var domains = new JsonObject();
        foreach (var (td, bundle) in _bundles.OrderBy(p => p.Key.Name, StringComparer.Ordinal))
        {
            domains[td.Name] = bundle.ToJsonObject(includeRefreshHint: false);
        }

        return new JsonObject { ["trust_domains"] = domains }.ToJsonString(WriteOptions);
    }

    /// <summary>Parses a bundle map. Keys may be trust domain names or root IDs.</summary>
    /// <exception cref="SpiffeBundleException">The document is malformed, repeats a trust domain, or holds an invalid bundle.</exception>
    public static SpiffeBundleMap Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            // Duplicates are detected by hand below so the message can name the trust domain.
            document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { AllowDuplicateProperties = true });
        }
        catch (JsonException e)
        {
            throw new SpiffeBundleException($"bundle map is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SpiffeBundleException("bundle map must be a JSON object");
            }

            JsonElement? domains = null;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == "trust_domains")
                {
                    domains = domains is null ? property.Value : throw new SpiffeBundleException("bundle map has a duplicate 'trust_domains' member");
                }
            }

            if (domains is not { ValueKind: JsonValueKind.Object } map)
            {
                throw new SpiffeBundleException("bundle map must have a 'trust_domains' object");
            }

            var bundles = new Dictionary<TrustDomain, SpiffeBundle>();
            foreach (var property in map.EnumerateObject())
            {
                if (!TrustDomain.TryParse(property.Name, out var td, out var error))
                {
                    throw new SpiffeBundleException($"bundle map key '{property.Name}' is not a trust domain: {error}");
                }

                if (bundles.ContainsKey(td))
                {
                    throw new SpiffeBundleException($"bundle map has trust domain {td} more than once");
                }

                SpiffeBundle bundle;
                try
                {
                    // Re-parse each bundle strictly so duplicate members inside it are rejected too.
                    bundle = SpiffeBundle.Parse(td, Encoding.UTF8.GetBytes(property.Value.GetRawText()));
                }
                catch (SpiffeBundleException e)
                {
                    throw new SpiffeBundleException($"bundle of trust domain {td}: {e.Message}", e);
                }

                bundles.Add(td, bundle);
            }

            return new SpiffeBundleMap(bundles.Values);
        }
    }
}
