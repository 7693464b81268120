using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>Log events of the disk key manager (event ids 2100–2119). Key material is never logged.</summary>
internal sealed partial class DiskKeyManager
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Generated {KeyType} key {KeyId} in {Path}")]
    private partial void LogKeyGenerated(string keyId, string keyType, string path);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Loaded {KeyType} key {KeyId} from {Path}")]
    private partial void LogKeyLoaded(string keyId, string keyType, string path);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Deleted key {KeyId} ({Path})")]
    private partial void LogKeyDeleted(string keyId, string path);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning,
        Message = "No key encryption key is configured; generated one into {Path}. Anyone who can read the key directory can decrypt the keys: configure KeyManager:Disk:EncryptionKey to keep them apart")]
    private partial void LogEncryptionKeyCreated(string path);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "{Path} has mode {Mode}; other users may access it. Expected {Expected}")]
    private partial void LogSharedPermissions(string path, string mode, string expected);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Ignoring {FileName} in the key directory: its name is not a valid key id")]
    private partial void LogIgnoredFile(string fileName);
}
