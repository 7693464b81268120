using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>Log events of the Azure Key Vault key manager (event ids 2160–2179). Tokens and secrets are never logged.</summary>
internal sealed partial class AzureKeyVaultKeyManager
{
    [LoggerMessage(EventId = 2160, Level = LogLevel.Information, Message = "Created {KeyType} key {KeyId} as {KeyName} version {KeyVersion} in vault {Vault}")]
    private partial void LogKeyCreated(string keyId, string keyType, string keyName, string keyVersion, Uri vault);

    [LoggerMessage(EventId = 2161, Level = LogLevel.Information, Message = "Deleted key {KeyId} ({KeyName}) in vault {Vault}")]
    private partial void LogKeyDeleted(string keyId, string keyName, Uri vault);

    [LoggerMessage(EventId = 2162, Level = LogLevel.Information, Message = "Purged deleted key {KeyId} ({KeyName}) in vault {Vault}")]
    private partial void LogKeyPurged(string keyId, string keyName, Uri vault);

    [LoggerMessage(EventId = 2163, Level = LogLevel.Warning,
        Message = "Key {KeyId} was replaced, but its previous version {KeyVersion} in vault {Vault} could not be disabled; disable it by hand")]
    private partial void LogDisableFailed(Exception exception, string keyId, string keyVersion, Uri vault);

    [LoggerMessage(EventId = 2164, Level = LogLevel.Warning,
        Message = "Key {KeyId} was deleted but could not be purged from vault {Vault}; it stays recoverable until the vault's retention period ends")]
    private partial void LogPurgeFailed(Exception? exception, string keyId, Uri vault);
}
