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

    /// <summary>
    /// <c>memory</c> or <c>disk</c> (the default: keys survive restarts). Memory keys are lost when
    /// the process exits, so every start needs a new CA.
    /// </summary>
    public string Type { get; set; } = DiskType;

    /// <summary>Settings of the disk key manager.</summary>
    public DiskKeyManagerOptions Disk { get; set; } = new();

    /// <summary>Settings of the Azure Key Vault key manager (<c>Type</c> <c>azure-key-vault</c>).</summary>
    public AzureKeyVaultKeyManagerOptions AzureKeyVault { get; set; } = new();
}
