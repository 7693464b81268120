using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace IdentityIssuer.Tests.Common.Kms;

public sealed partial class FakeKmsServer
{
    private static readonly Dictionary<string, string[]> SigningAlgorithms = new(StringComparer.Ordinal)
    {
        ["ECC_NIST_P256"] = ["ECDSA_SHA_256"],
        ["ECC_NIST_P384"] = ["ECDSA_SHA_384"],
        ["RSA_2048"] = ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"],
        ["RSA_4096"] = ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"],
    };

    private string Arn(string resource) => $"arn:aws:kms:{Region}:{AccountId}:{resource}";

    private JsonObject CreateKey(JsonObject request)
    {
        var spec = (string?)request["KeySpec"] ?? (string?)request["CustomerMasterKeySpec"] ?? "SYMMETRIC_DEFAULT";
        var usage = (string?)request["KeyUsage"] ?? "ENCRYPT_DECRYPT";
        if (!SigningAlgorithms.ContainsKey(spec))
        {
            throw new KmsError("UnsupportedOperationException", $"The fake KMS creates only ECC_NIST_P256, ECC_NIST_P384, RSA_2048 and RSA_4096 keys, not {spec}.");
        }

        if (usage != "SIGN_VERIFY")
        {
            throw new KmsError("ValidationException", $"KeyUsage {usage} is not valid for KeySpec {spec} in the fake KMS; use SIGN_VERIFY.");
        }

        AsymmetricAlgorithm key = spec switch
        {
            "ECC_NIST_P256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            "ECC_NIST_P384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            "RSA_2048" => RSA.Create(2048),
            _ => RSA.Create(4096),
        };
        var keyId = Guid.NewGuid().ToString();
        var created = new FakeKmsKey(keyId, Arn("key/" + keyId), spec, key, (string?)request["Description"] ?? string.Empty, DateTimeOffset.UtcNow);
        _keys[keyId] = created;
        return new JsonObject { ["KeyMetadata"] = Metadata(created) };
    }

    private JsonObject DescribeKey(JsonObject request) => new() { ["KeyMetadata"] = Metadata(Resolve(request)) };

    private JsonObject GetPublicKey(JsonObject request)
    {
        var key = Resolve(request);
        ThrowUnlessEnabled(key);
        return new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["PublicKey"] = Convert.ToBase64String(key.Key.ExportSubjectPublicKeyInfo()),
            ["CustomerMasterKeySpec"] = key.KeySpec,
            ["KeySpec"] = key.KeySpec,
            ["KeyUsage"] = "SIGN_VERIFY",
            ["SigningAlgorithms"] = new JsonArray([.. SigningAlgorithms[key.KeySpec].Select(a => JsonValue.Create(a))]),
        };
    }

    private JsonObject Sign(JsonObject request)
    {
        var key = Resolve(request);
        ThrowUnlessEnabled(key);
        var algorithm = (string?)request["SigningAlgorithm"] ?? throw Missing("signingAlgorithm");
        var message = Blob(request, "Message");
        var messageType = (string?)request["MessageType"] ?? "RAW";
        if (!SigningAlgorithms[key.KeySpec].Contains(algorithm))
        {
            throw new KmsError("InvalidKeyUsageException", $"{key.Arn} key usage is SIGN_VERIFY and key spec {key.KeySpec}, which does not support {algorithm}.");
        }

        var hash = algorithm[^3..] switch
        {
            "256" => HashAlgorithmName.SHA256,
            "384" => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        byte[] digest;
        if (messageType == "DIGEST")
        {
            if (message.Length != CryptographicOperations.HashData(hash, []).Length)
            {
                throw new KmsError("ValidationException", $"Digest is invalid length for algorithm {algorithm}.");
            }

            digest = message;
        }
        else if (messageType == "RAW")
        {
            if (message.Length > 4096)
            {
                throw new KmsError("ValidationException", "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096");
            }

            digest = CryptographicOperations.HashData(hash, message);
        }
        else
        {
            throw new KmsError("ValidationException", $"1 validation error detected: Value '{messageType}' at 'messageType' failed to satisfy constraint: Member must satisfy enum value set: [RAW, DIGEST, EXTERNAL_MU]");
        }

        if (algorithm.StartsWith("RSASSA_PSS", StringComparison.Ordinal))
        {
            throw new KmsError("UnsupportedOperationException", "The fake KMS signs with PKCS#1 v1.5 and ECDSA only.");
        }

        var signature = key.Key switch
        {
            ECDsa ecdsa => ecdsa.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence),
            RSA rsa => rsa.SignHash(digest, hash, RSASignaturePadding.Pkcs1),
            _ => throw new InvalidOperationException("unreachable"),
        };
        return new JsonObject { ["KeyId"] = key.Arn, ["Signature"] = Convert.ToBase64String(signature), ["SigningAlgorithm"] = algorithm };
    }

    private JsonObject ScheduleKeyDeletion(JsonObject request)
    {
        var keyId = (string?)request["KeyId"] ?? throw Missing("keyId");
        if (keyId.StartsWith("alias/", StringComparison.Ordinal) || keyId.Contains(":alias/", StringComparison.Ordinal))
        {
            throw new KmsError("NotFoundException", $"Alias {keyId} cannot be scheduled for deletion: name the key.");
        }

        var key = Resolve(request);
        var days = (int?)request["PendingWindowInDays"] ?? 30;
        if (days is < 7 or > 30)
        {
            throw new KmsError("ValidationException", $"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30");
        }

        if (key.State != "Enabled")
        {
            throw new KmsError("KMSInvalidStateException", $"{key.Arn} is pending deletion.");
        }

        key.State = "PendingDeletion";
        key.PendingWindowInDays = days;
        key.DeletionDate = DateTimeOffset.UtcNow.AddDays(days);
        return new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["DeletionDate"] = EpochSeconds(key.DeletionDate.Value),
            ["KeyState"] = key.State,
            ["PendingWindowInDays"] = days,
        };
    }

    private JsonObject CreateAlias(JsonObject request)
    {
        var name = ValidAliasName((string?)request["AliasName"]);
        var key = ResolveKey((string?)request["TargetKeyId"] ?? throw Missing("targetKeyId"), allowAlias: false);
        ThrowUnlessEnabled(key);
        if (_aliases.ContainsKey(name))
        {
            throw new KmsError("AlreadyExistsException", $"An alias with the name {Arn(name)} already exists");
        }

        _aliases[name] = new FakeKmsAlias(name, key.KeyId, DateTimeOffset.UtcNow);
        return [];
    }

    private JsonObject UpdateAlias(JsonObject request)
    {
        var name = (string?)request["AliasName"] ?? throw Missing("aliasName");
        var key = ResolveKey((string?)request["TargetKeyId"] ?? throw Missing("targetKeyId"), allowAlias: false);
        ThrowUnlessEnabled(key);
        if (!_aliases.TryGetValue(name, out var alias) || alias.TargetKeyId is null)
        {
            throw new KmsError("NotFoundException", $"Alias {Arn(name)} is not found.");
        }

        alias.TargetKeyId = key.KeyId;
        return [];
    }

    private JsonObject DeleteAlias(JsonObject request)
    {
        var name = (string?)request["AliasName"] ?? throw Missing("aliasName");
        if (!_aliases.TryGetValue(name, out var alias) || alias.TargetKeyId is null)
        {
            throw new KmsError("NotFoundException", $"Alias {Arn(name)} is not found.");
        }

        _aliases.Remove(name);
        return [];
    }

    private JsonObject ListAliases(JsonObject request)
    {
        var limit = (int?)request["Limit"] ?? 50;
        if (limit is < 1 or > 100)
        {
            throw new KmsError("ValidationException", $"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100");
        }

        var marker = (string?)request["Marker"];
        var start = marker is null ? string.Empty : Encoding.UTF8.GetString(Convert.FromBase64String(marker));
        var all = _aliases.Values.Where(a => string.CompareOrdinal(a.Name, start) >= 0).ToList();
        var page = all.Take(Math.Min(limit, MaxAliasPageSize)).ToList();
        var entries = new JsonArray();
        foreach (var alias in page)
        {
            var entry = new JsonObject { ["AliasName"] = alias.Name, ["AliasArn"] = Arn(alias.Name), ["CreationDate"] = EpochSeconds(alias.Created) };
            if (alias.TargetKeyId is not null)
            {
                entry["TargetKeyId"] = alias.TargetKeyId;
                entry["LastUpdatedDate"] = EpochSeconds(alias.Created);
            }

            entries.Add(entry);
        }

        var answer = new JsonObject { ["Aliases"] = entries, ["Truncated"] = all.Count > page.Count };
        if (all.Count > page.Count)
        {
            answer["NextMarker"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(all[page.Count].Name));
        }

        return answer;
    }

    private FakeKmsKey Resolve(JsonObject request) => ResolveKey((string?)request["KeyId"] ?? throw Missing("keyId"), allowAlias: true);

    /// <summary>A key by key id, key ARN, alias name or alias ARN, as KMS resolves the KeyId parameter.</summary>
    private FakeKmsKey ResolveKey(string keyId, bool allowAlias)
    {
        var aliasName = keyId.StartsWith("alias/", StringComparison.Ordinal) ? keyId
            : keyId.StartsWith(Arn("alias/"), StringComparison.Ordinal) ? keyId[(Arn(string.Empty).Length)..]
            : null;
        if (aliasName is not null)
        {
            if (!allowAlias)
            {
                throw new KmsError("ValidationException", $"TargetKeyId must be a key id or key ARN, not the alias {keyId}.");
            }

            if (!_aliases.TryGetValue(aliasName, out var alias) || alias.TargetKeyId is null)
            {
                throw new KmsError("NotFoundException", $"Alias {Arn(aliasName)} is not found.");
            }

            keyId = alias.TargetKeyId;
        }

        var id = keyId.StartsWith(Arn("key/"), StringComparison.Ordinal) ? keyId[Arn("key/").Length..] : keyId;
        return _keys.TryGetValue(id, out var key) ? key : throw new KmsError("NotFoundException", $"Key '{Arn("key/" + id)}' does not exist");
    }

    private static void ThrowUnlessEnabled(FakeKmsKey key)
    {
        if (key.State != "Enabled")
        {
            throw new KmsError("KMSInvalidStateException", $"{key.Arn} is pending deletion.");
        }
    }

    private string ValidAliasName(string? name)
    {
        if (name is null)
        {
            throw Missing("aliasName");
        }

        if (name.Length > 256 || !AliasNamePattern().IsMatch(name) || name.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new KmsError("InvalidAliasNameException", $"Alias name {name} is not valid: it must match ^alias/[a-zA-Z0-9:/_-]+$, be at most 256 characters and not begin with alias/aws/.");
        }

        return name;
    }

    private JsonObject Metadata(FakeKmsKey key)
    {
        var metadata = new JsonObject
        {
            ["AWSAccountId"] = AccountId,
            ["KeyId"] = key.KeyId,
            ["Arn"] = key.Arn,
            ["CreationDate"] = EpochSeconds(key.Created),
            ["Enabled"] = key.State == "Enabled",
            ["Description"] = key.Description,
            ["KeyUsage"] = "SIGN_VERIFY",
            ["KeyState"] = key.State,
            ["Origin"] = "AWS_KMS",
            ["KeyManager"] = "CUSTOMER",
            ["CustomerMasterKeySpec"] = key.KeySpec,
            ["KeySpec"] = key.KeySpec,
            ["SigningAlgorithms"] = new JsonArray([.. SigningAlgorithms[key.KeySpec].Select(a => JsonValue.Create(a))]),
            ["MultiRegion"] = false,
        };
        if (key.DeletionDate is { } deletion)
        {
            metadata["DeletionDate"] = EpochSeconds(deletion);
            metadata["PendingDeletionWindowInDays"] = key.PendingWindowInDays;
        }

        return metadata;
    }

    private static double EpochSeconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private static byte[] Blob(JsonObject request, string field)
    {
        var value = (string?)request[field] ?? throw Missing(char.ToLowerInvariant(field[0]) + field[1..]);
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new KmsError("SerializationException", $"{field} is not valid base64.");
        }
    }

    private static KmsError Missing(string field) =>
        new("ValidationException", $"1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null");

    [GeneratedRegex("^alias/[a-zA-Z0-9:/_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex AliasNamePattern();

    private sealed class FakeKmsKey(string keyId, string arn, string keySpec, AsymmetricAlgorithm key, string description, DateTimeOffset created)
    {
        public string KeyId { get; } = keyId;

        public string Arn { get; } = arn;

        public string KeySpec { get; } = keySpec;

        public AsymmetricAlgorithm Key { get; } = key;

        public string Description { get; } = description;

        public DateTimeOffset Created { get; } = created;

        public string State { get; set; } = "Enabled";

        public int? PendingWindowInDays { get; set; }

        public DateTimeOffset? DeletionDate { get; set; }
    }

    private sealed class FakeKmsAlias(string name, string? targetKeyId, DateTimeOffset created)
    {
        public string Name { get; } = name;

        public string? TargetKeyId { get; set; } = targetKeyId;

        public DateTimeOffset Created { get; } = created;
    }
}

/// <summary>An error KMS answers with: its <c>__type</c>, message and HTTP status.</summary>
internal sealed class KmsError : Exception
{
    public KmsError(string type, string message, HttpStatusCode status = HttpStatusCode.BadRequest)
        : base(message)
    {
        Type = type;
        Status = status;
    }

    public KmsError()
    {
        Type = "InternalFailure";
    }

    public KmsError(string message)
        : base(message)
    {
        Type = "InternalFailure";
    }

    public KmsError(string message, Exception innerException)
        : base(message, innerException)
    {
        Type = "InternalFailure";
    }

    public string Type { get; }

    public HttpStatusCode Status { get; } = HttpStatusCode.BadRequest;
}
