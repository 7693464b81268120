using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Tests.Common.AzureKeyVault;

/// <summary>The keys REST API: keys and versions in memory, names compared case-insensitively as Key Vault does.</summary>
public sealed partial class FakeKeyVault
{
    private readonly Dictionary<string, FakeKey> _keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FakeKey> _deleted = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The names of the keys held (not deleted), as created.</summary>
    public IReadOnlyList<string> KeyNames
    {
        get
        {
            lock (_gate)
            {
                return [.. _keys.Values.Select(k => k.Name).Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The names of soft-deleted keys not purged yet.</summary>
    public IReadOnlyList<string> DeletedKeyNames
    {
        get
        {
            lock (_gate)
            {
                return [.. _deleted.Values.Select(k => k.Name).Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Creates a key directly (as another application sharing the vault would), with optional tags.</summary>
    public void AddForeignKey(string name, IReadOnlyDictionary<string, string>? tags = null)
    {
        var key = new FakeKey(name);
        key.Versions.Add(FakeKeyVersion.Create("EC", "P-256", null, tags ?? new Dictionary<string, string>()));
        lock (_gate)
        {
            _keys[name] = key;
        }
    }

    private async Task<(HttpStatusCode, JsonNode?)> HandleKeysAsync(HttpContext context, string[] segments)
    {
        var method = context.Request.Method;
        if (segments[0] == "deletedkeys")
        {
            return segments.Length == 2 && HttpMethods.IsDelete(method) ? Purge(segments[1]) : Unknown(context);
        }

        switch (segments.Length)
        {
            case 1 when HttpMethods.IsGet(method):
                return List(context);
            case 2 when HttpMethods.IsGet(method):
                return Get(segments[1], null);
            case 2 when HttpMethods.IsDelete(method):
                return Delete(segments[1]);
            case 3 when segments[2] == "create" && HttpMethods.IsPost(method):
                return Create(segments[1], await ReadJsonAsync(context));
            case 3 when HttpMethods.IsGet(method):
                return Get(segments[1], segments[2]);
            case 3 when HttpMethods.IsPatch(method):
                return Update(segments[1], segments[2], await ReadJsonAsync(context));
            case 4 when segments[3] == "sign" && HttpMethods.IsPost(method):
                return Sign(segments[1], segments[2], await ReadJsonAsync(context));
            default:
                return Unknown(context);
        }
    }

    private (HttpStatusCode, JsonNode?) Unknown(HttpContext context)
    {
        _unhandled.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        return (HttpStatusCode.BadRequest, Error("BadParameter", "The fake does not implement this operation."));
    }

    private (HttpStatusCode, JsonNode?) Create(string name, JsonObject? body)
    {
        if (!NamePattern().IsMatch(name))
        {
            return (HttpStatusCode.BadRequest, Error("BadParameter", $"The request URI contains an invalid name: {name}"));
        }

        var kty = body?["kty"]?.GetValue<string>();
        var crv = body?["crv"]?.GetValue<string>();
        var size = body?["key_size"]?.GetValue<int>();
        var ops = body?["key_ops"]?.AsArray().Select(o => o?.GetValue<string>()).ToList() ?? [];
        if (kty is not ("EC" or "EC-HSM" or "RSA" or "RSA-HSM")
            || (kty.StartsWith("EC", StringComparison.Ordinal) && crv is not ("P-256" or "P-384"))
            || (kty.StartsWith("RSA", StringComparison.Ordinal) && size is not (2048 or 4096))
            || !ops.Contains("sign"))
        {
            return (HttpStatusCode.BadRequest, Error("BadParameter", "Property kty, crv, key_size or key_ops has an invalid value."));
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body?["tags"] is JsonObject tagObject)
        {
            foreach (var (tagName, value) in tagObject)
            {
                tags[tagName] = value?.GetValue<string>() ?? string.Empty;
            }
        }

        lock (_gate)
        {
            if (_deleted.ContainsKey(name))
            {
                return (HttpStatusCode.Conflict, Error("Conflict",
                    $"Key {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged."));
            }
        }

        // Key generation (seconds for RSA 4096) outside the lock.
        var version = FakeKeyVersion.Create(kty, crv, size, tags);
        lock (_gate)
        {
            if (!_keys.TryGetValue(name, out var key))
            {
                key = new FakeKey(name);
                _keys[name] = key;
            }

            key.Versions.Add(version);
            return (HttpStatusCode.OK, Bundle(key, version));
        }
    }

    private (HttpStatusCode, JsonNode?) Get(string name, string? versionId)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(name, out var key) || Find(key, versionId) is not { } version)
            {
                return NotFound(name);
            }

            return (HttpStatusCode.OK, Bundle(key, version));
        }
    }

    private (HttpStatusCode, JsonNode?) List(HttpContext context)
    {
        var skip = int.TryParse(context.Request.Query["$skiptoken"], CultureInfo.InvariantCulture, out var s) ? s : 0;
        var pageSize = Math.Min(PageSize, int.TryParse(context.Request.Query["maxresults"], CultureInfo.InvariantCulture, out var m) ? m : 25);
        lock (_gate)
        {
            var all = _keys.Values.OrderBy(k => k.Name, StringComparer.OrdinalIgnoreCase).ToList();
            var items = new JsonArray();
            foreach (var key in all.Skip(skip).Take(pageSize))
            {
                var latest = key.Versions[^1];
                items.Add(new JsonObject
                {
                    ["kid"] = $"{VaultUri.AbsoluteUri}keys/{key.Name}",
                    ["attributes"] = latest.Attributes(),
                    ["tags"] = latest.TagsJson(),
                });
            }

            var body = new JsonObject { ["value"] = items };
            body["nextLink"] = skip + pageSize < all.Count
                ? $"{VaultUri.AbsoluteUri}keys?api-version={context.Request.Query["api-version"]}&$skiptoken={(skip + pageSize).ToString(CultureInfo.InvariantCulture)}&maxresults={pageSize.ToString(CultureInfo.InvariantCulture)}"
                : null;
            return (HttpStatusCode.OK, body);
        }
    }

    private (HttpStatusCode, JsonNode?) Update(string name, string versionId, JsonObject? body)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(name, out var key) || Find(key, versionId) is not { } version)
            {
                return NotFound(name);
            }

            if (body?["attributes"]?["enabled"] is JsonValue enabled)
            {
                version.Enabled = enabled.GetValue<bool>();
            }

            return (HttpStatusCode.OK, Bundle(key, version));
        }
    }

    private (HttpStatusCode, JsonNode?) Sign(string name, string versionId, JsonObject? body)
    {
        FakeKeyVersion version;
        lock (_gate)
        {
            if (!_keys.TryGetValue(name, out var key) || Find(key, versionId) is not { } found)
            {
                return NotFound(name);
            }

            version = found;
            if (!version.Enabled)
            {
                return (HttpStatusCode.Forbidden, Error("Forbidden", "Operation sign is not allowed on a disabled key.", "KeyDisabled"));
            }
        }

        var alg = body?["alg"]?.GetValue<string>();
        var value = body?["value"]?.GetValue<string>() is { } text ? System.Buffers.Text.Base64Url.DecodeFromChars(text) : null;
        var signature = value is null ? null : version.Sign(alg, value);
        return signature is null
            ? (HttpStatusCode.BadRequest, Error("BadParameter", $"Invalid algorithm '{alg}' or digest length for a {version.Kty} {version.Crv ?? version.Size?.ToString(CultureInfo.InvariantCulture)} key."))
            : (HttpStatusCode.OK, new JsonObject { ["kid"] = $"{VaultUri.AbsoluteUri}keys/{name}/{version.Id}", ["value"] = System.Buffers.Text.Base64Url.EncodeToString(signature) });
    }

    private (HttpStatusCode, JsonNode?) Delete(string name)
    {
        lock (_gate)
        {
            if (!_keys.Remove(name, out var key))
            {
                return NotFound(name);
            }

            _deleted[name] = key;
            var bundle = Bundle(key, key.Versions[^1]);
            bundle["recoveryId"] = $"{VaultUri.AbsoluteUri}deletedkeys/{key.Name}";
            bundle["deletedDate"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            bundle["scheduledPurgeDate"] = DateTimeOffset.UtcNow.AddDays(90).ToUnixTimeSeconds();
            return (HttpStatusCode.OK, bundle);
        }
    }

    private (HttpStatusCode, JsonNode?) Purge(string name)
    {
        lock (_gate)
        {
            if (!_deleted.Remove(name, out var key))
            {
                return (HttpStatusCode.NotFound, Error("KeyNotFound", $"Deleted Key not found: {name}"));
            }

            key.Dispose();
            return (HttpStatusCode.NoContent, null);
        }
    }

    private static FakeKeyVersion? Find(FakeKey key, string? versionId) =>
        versionId is null ? key.Versions[^1] : key.Versions.FirstOrDefault(v => string.Equals(v.Id, versionId, StringComparison.OrdinalIgnoreCase));

    private static (HttpStatusCode, JsonNode?) NotFound(string name) =>
        (HttpStatusCode.NotFound, Error("KeyNotFound", $"A key with (name/id) {name} was not found in this key vault."));

    private JsonObject Bundle(FakeKey key, FakeKeyVersion version)
    {
        var jwk = version.Jwk();
        jwk["kid"] = $"{VaultUri.AbsoluteUri}keys/{key.Name}/{version.Id}";
        return new JsonObject { ["key"] = jwk, ["attributes"] = version.Attributes(), ["tags"] = version.TagsJson() };
    }

    [GeneratedRegex("^[0-9a-zA-Z-]{1,127}$")]
    private static partial Regex NamePattern();

    private sealed class FakeKey(string name) : IDisposable
    {
        public string Name { get; } = name;

        public List<FakeKeyVersion> Versions { get; } = [];

        public void Dispose()
        {
            foreach (var version in Versions)
            {
                version.Key.Dispose();
            }
        }
    }

    private sealed class FakeKeyVersion
    {
        private FakeKeyVersion(string kty, string? crv, int? size, AsymmetricAlgorithm key, IReadOnlyDictionary<string, string> tags)
        {
            Kty = kty;
            Crv = crv;
            Size = size;
            Key = key;
            Tags = tags;
        }

        public string Id { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        public string Kty { get; }

        public string? Crv { get; }

        public int? Size { get; }

        public AsymmetricAlgorithm Key { get; }

        public IReadOnlyDictionary<string, string> Tags { get; }

        public bool Enabled { get; set; } = true;

        public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        public static FakeKeyVersion Create(string kty, string? crv, int? size, IReadOnlyDictionary<string, string> tags)
        {
            AsymmetricAlgorithm key = kty.StartsWith("EC", StringComparison.Ordinal)
                ? ECDsa.Create(crv == "P-384" ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256)
                : RSA.Create(size ?? 2048);
            return new FakeKeyVersion(kty, crv, size, key, tags);
        }

        public JsonObject Jwk()
        {
            var jwk = new JsonObject { ["kty"] = Kty, ["key_ops"] = new JsonArray("sign", "verify") };
            if (Key is ECDsa ec)
            {
                var p = ec.ExportParameters(false);
                jwk["crv"] = Crv;
                jwk["x"] = System.Buffers.Text.Base64Url.EncodeToString(p.Q.X);
                jwk["y"] = System.Buffers.Text.Base64Url.EncodeToString(p.Q.Y);
            }
            else if (Key is RSA rsa)
            {
                var p = rsa.ExportParameters(false);
                jwk["n"] = System.Buffers.Text.Base64Url.EncodeToString(p.Modulus);
                jwk["e"] = System.Buffers.Text.Base64Url.EncodeToString(p.Exponent);
            }

            return jwk;
        }

        public JsonObject Attributes() => new()
        {
            ["enabled"] = Enabled,
            ["created"] = Created,
            ["updated"] = Created,
            ["recoveryLevel"] = "Recoverable+Purgeable",
            ["recoverableDays"] = 90,
        };

        public JsonObject TagsJson()
        {
            var tags = new JsonObject();
            foreach (var (name, value) in Tags)
            {
                tags[name] = value;
            }

            return tags;
        }

        /// <summary>Signs as Key Vault does: the algorithm must fit the key and the digest its hash size; else null.</summary>
        public byte[]? Sign(string? alg, byte[] digest)
        {
            switch (Key, alg, digest.Length)
            {
                case (ECDsa ec, "ES256", 32) when Crv == "P-256":
                    return ec.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                case (ECDsa ec, "ES384", 48) when Crv == "P-384":
                    return ec.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                case (RSA rsa, "RS256", 32):
                    return rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                case (RSA rsa, "RS384", 48):
                    return rsa.SignHash(digest, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1);
                case (RSA rsa, "RS512", 64):
                    return rsa.SignHash(digest, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1);
                default:
                    return null;
            }
        }
    }
}
