using IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>The <c>KeyManager</c> configuration section: which key manager holds the CA keys.</summary>
internal sealed class KeyManagerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "KeyManager";

    /// <summary>Value of <see cref="Type"/> for <see cref="MemoryKeyManager"/>.</summary>
    public const string MemoryType = "memory";

    /// <summary>Value of <see cref="Type"/> for <see cref="DiskKeyManager"/>.</summary>
    public const string DiskType = "disk";

    /// <summary>Value of <see cref="Type"/> for <see cref="Pkcs11KeyManager"/>.</summary>
    public const string Pkcs11Type = "pkcs11";

    /// <summary>Value of <see cref="Type"/> for <see cref="AwsKmsKeyManager"/>.</summary>
    public const string AwsKmsType = "aws-kms";

    /// <summary>
    /// <c>memory</c>, <c>disk</c> (the default: keys survive restarts), <c>pkcs11</c> (keys on an HSM) or
    /// <c>aws-kms</c>. Memory keys are lost when the process exits, so every start needs a new CA.
    /// </summary>
    public string Type { get; set; } = DiskType;

    /// <summary>Settings of the disk key manager.</summary>
    public DiskKeyManagerOptions Disk { get; set; } = new();

    /// <summary>Settings of the PKCS#11 key manager.</summary>
    public Pkcs11KeyManagerOptions Pkcs11 { get; set; } = new();

    /// <summary>Settings of the AWS KMS key manager (<c>aws-kms</c>).</summary>
    public AwsKmsKeyManagerOptions AwsKms { get; set; } = new();

    /// <summary>Settings of the Azure Key Vault key manager (<c>Type</c> <c>azure-key-vault</c>).</summary>
    public AzureKeyVaultKeyManagerOptions AzureKeyVault { get; set; } = new();
}
