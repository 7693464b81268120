using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>
/// Keeps the CA keys in Azure Key Vault, over the keys REST API (see docs/adr/0009). A key id maps
/// to a key name (<see cref="AzureKeyVaultKeyNames"/>); replacing a key creates a new version of
/// that name and then disables the previous version, so an old signer fails rather than signs;
/// deleting a key soft-deletes it (and purges it when <c>PurgeDeletedKeys</c> is set).
/// </summary>
internal sealed partial class AzureKeyVaultKeyManager : IKeyManager
{
    private static readonly TimeSpan PurgeRetryDelay = TimeSpan.FromSeconds(1);
    private const int PurgeAttempts = 5;

    private readonly AzureKeyVaultClient _client;
    private readonly AzureKeyVaultKeyManagerOptions _options;
    private readonly string _prefix;
    private readonly ILogger _logger;

    internal AzureKeyVaultKeyManager(AzureKeyVaultClient client, AzureKeyVaultKeyManagerOptions options, ILogger? logger)
    {
        _client = client;
        _options = options;
        _prefix = options.KeyNamePrefix;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => AzureKeyVaultKeyManagerOptions.TypeName;

    /// <inheritdoc />
    public async Task<IKeySigner> GenerateKeyAsync(string keyId, KeyType keyType, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        KeyTypes.ThrowIfUnsupported(keyType, nameof(keyType));
        var name = AzureKeyVaultKeyNames.ToName(_prefix, keyId);

        var previous = await _client.GetKeyAsync(name, null, cancellationToken);
        if (previous is null && _options.PurgeDeletedKeys && await _client.PurgeDeletedKeyAsync(name, cancellationToken))
        {
            // A soft-deleted key would hold the name (409 Conflict on create).
            LogKeyPurged(keyId, name, _client.Vault);
        }

        var created = await _client.CreateKeyAsync(name, CreateBody(keyId, keyType), cancellationToken);
        if (created.KeyType != keyType)
        {
            throw new KeyManagerException($"vault {_client.Vault} created a {created.KeyType} key for '{keyId}' when {keyType} was asked for", isTransient: false);
        }

        LogKeyCreated(keyId, KeyTypes.Format(keyType), name, created.Version, _client.Vault);

        // The new version is stored and is now the latest; only then retire the old one, so a
        // signer still holding it fails instead of signing with a key the CA no longer publishes.
        if (previous is { Enabled: true } && previous.Version != created.Version)
        {
            try
            {
                await _client.SetEnabledAsync(name, previous.Version, enabled: false, cancellationToken);
            }
            catch (KeyManagerException ex)
            {
                LogDisableFailed(ex, keyId, previous.Version, _client.Vault);
            }
        }

        return new AzureKeyVaultKeySigner(_client, keyId, created);
    }

    /// <inheritdoc />
    public async Task<IKeySigner?> GetKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        var bundle = await _client.GetKeyAsync(AzureKeyVaultKeyNames.ToName(_prefix, keyId), null, cancellationToken);
        return bundle is not null && AzureKeyVaultKeyNames.ToKeyId(_prefix, bundle.Name, bundle.TaggedKeyId) == keyId
            ? new AzureKeyVaultKeySigner(_client, keyId, bundle)
            : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IKeySigner>> GetKeysAsync(CancellationToken cancellationToken)
    {
        var signers = new List<IKeySigner>();
        foreach (var (name, tagged) in await _client.ListKeysAsync(cancellationToken))
        {
            if (AzureKeyVaultKeyNames.ToKeyId(_prefix, name, tagged) is not { } keyId)
            {
                continue;
            }

            // The list holds names only; the key type and public key come with the key itself.
            if (await _client.GetKeyAsync(name, null, cancellationToken) is { } bundle)
            {
                signers.Add(new AzureKeyVaultKeySigner(_client, keyId, bundle));
            }
        }

        signers.Sort((a, b) => string.CompareOrdinal(a.KeyId, b.KeyId));
        return signers;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        KeyIds.ThrowIfInvalid(keyId, nameof(keyId));
        var name = AzureKeyVaultKeyNames.ToName(_prefix, keyId);
        if (await GetKeyAsync(keyId, cancellationToken) is null || !await _client.DeleteKeyAsync(name, cancellationToken))
        {
            return false;
        }

        LogKeyDeleted(keyId, name, _client.Vault);
        if (_options.PurgeDeletedKeys)
        {
            await PurgeAsync(keyId, name, cancellationToken);
        }

        return true;
    }

    private async Task PurgeAsync(string keyId, string name, CancellationToken cancellationToken)
    {
        // The deleted key shows up under deletedkeys only once the vault has finished deleting it.
        for (var attempt = 1; attempt <= PurgeAttempts; attempt++)
        {
            try
            {
                if (await _client.PurgeDeletedKeyAsync(name, cancellationToken))
                {
                    LogKeyPurged(keyId, name, _client.Vault);
                    return;
                }
            }
            catch (KeyManagerException ex) when (attempt == PurgeAttempts || !ex.IsTransient)
            {
                LogPurgeFailed(ex, keyId, _client.Vault);
                return;
            }
            catch (KeyManagerException)
            {
            }

            await Task.Delay(PurgeRetryDelay, cancellationToken);
        }

        LogPurgeFailed(null, keyId, _client.Vault);
    }

    private JsonObject CreateBody(string keyId, KeyType keyType)
    {
        var hsm = _options.HardwareProtected ? "-HSM" : string.Empty;
        var body = new JsonObject
        {
            ["kty"] = (KeyTypes.IsEcdsa(keyType) ? "EC" : "RSA") + hsm,
            ["key_ops"] = new JsonArray("sign", "verify"),
            ["attributes"] = new JsonObject { ["enabled"] = true },
            ["tags"] = new JsonObject { [AzureKeyVaultKeyNames.KeyIdTag] = keyId },
        };
        switch (keyType)
        {
            case KeyType.EcP256:
                body["crv"] = "P-256";
                break;
            case KeyType.EcP384:
                body["crv"] = "P-384";
                break;
            case KeyType.Rsa2048:
                body["key_size"] = 2048;
                break;
            case KeyType.Rsa4096:
                body["key_size"] = 4096;
                break;
        }

        return body;
    }
}
