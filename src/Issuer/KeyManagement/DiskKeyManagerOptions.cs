namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>The <c>KeyManager:Disk</c> configuration section.</summary>
internal sealed class DiskKeyManagerOptions
{
    /// <summary>The environment variable read when <c>KeyManager:Disk:EncryptionKey</c> is not set.</summary>
    public const string EncryptionKeyEnvironmentVariable = "IDENTITY_ISSUER_KEY_ENCRYPTION_KEY";

    /// <summary>The configuration key of <see cref="EncryptionKey"/>.</summary>
    public const string EncryptionKeyConfigurationKey = "KeyManager:Disk:EncryptionKey";

    /// <summary>The key directory; defaults to <c>&lt;data directory&gt;/keys</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// The 32-byte AES-256 key encrypting the key files, in base64. When neither this nor
    /// <see cref="EncryptionKeyEnvironmentVariable"/> is set, one is generated into
    /// <c>&lt;directory&gt;/encryption.key</c>.
    /// </summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Where <see cref="EncryptionKey"/> came from, for error messages; not bound from configuration.</summary>
    public string EncryptionKeySource { get; internal set; } = EncryptionKeyConfigurationKey;
}
