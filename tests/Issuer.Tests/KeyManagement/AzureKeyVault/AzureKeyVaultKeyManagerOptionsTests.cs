using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

namespace IdentityIssuer.Issuer.Tests.KeyManagement.AzureKeyVault;

public sealed class AzureKeyVaultKeyManagerOptionsTests
{
    [Fact]
    public void Validate_WithVaultUriOnly_PassesOnTheDefaults()
    {
        Assert.Empty(Errors(new KeyManagerOptions { Type = "azure-key-vault", AzureKeyVault = { VaultUri = "https://my-vault.vault.azure.net/" } }));
    }

    [Theory]
    [InlineData(null, "KeyManager:AzureKeyVault:VaultUri must be set")]
    [InlineData("http://my-vault.vault.azure.net/", "KeyManager:AzureKeyVault:VaultUri must be an absolute https URI")]
    [InlineData("https://my-vault.vault.azure.net/keys", "KeyManager:AzureKeyVault:VaultUri must be an absolute https URI")]
    [InlineData("my-vault", "KeyManager:AzureKeyVault:VaultUri must be an absolute https URI")]
    public void Validate_WithBadVaultUri_NamesTheSetting(string? uri, string expected)
    {
        var errors = Errors(new KeyManagerOptions { Type = "azure-key-vault", AzureKeyVault = { VaultUri = uri } });

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("KeyNamePrefix", "ii_", "KeyManager:AzureKeyVault:KeyNamePrefix must be at most 63 characters")]
    [InlineData("Credential", "browser", "KeyManager:AzureKeyVault:Credential must be 'default' or 'client-secret'")]
    [InlineData("ApiVersion", "7.3", "KeyManager:AzureKeyVault:ApiVersion must be a Key Vault REST API version 7.4 or later")]
    [InlineData("ApiVersion", "latest", "KeyManager:AzureKeyVault:ApiVersion must be a Key Vault REST API version 7.4 or later")]
    [InlineData("MaxRetries", "-1", "KeyManager:AzureKeyVault:MaxRetries must be between 0 and 10")]
    [InlineData("AuthorityHost", "http://login.example/", "KeyManager:AzureKeyVault:AuthorityHost must be an absolute https URI")]
    public void Validate_WithBadSetting_NamesTheSetting(string setting, string value, string expected)
    {
        var options = new KeyManagerOptions { Type = "azure-key-vault", AzureKeyVault = { VaultUri = "https://v.vault.azure.net/" } };
        var azure = options.AzureKeyVault;
        switch (setting)
        {
            case "KeyNamePrefix": azure.KeyNamePrefix = value; break;
            case "Credential": azure.Credential = value; break;
            case "ApiVersion": azure.ApiVersion = value; break;
            case "MaxRetries": azure.MaxRetries = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "AuthorityHost": azure.AuthorityHost = value; break;
        }

        Assert.Contains(Errors(options), e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("7.4")]
    [InlineData("7.6")]
    [InlineData("7.6-preview.2")]
    public void Validate_WithApiVersionFrom74_Passes(string version)
    {
        Assert.Empty(Errors(new KeyManagerOptions { Type = "azure-key-vault", AzureKeyVault = { VaultUri = "https://v.vault.azure.net/", ApiVersion = version } }));
    }

    [Fact]
    public void Validate_ClientSecretCredentialWithoutItsSettings_ReportsEachOneWithoutEchoingSecrets()
    {
        var errors = Errors(new KeyManagerOptions
        {
            Type = "azure-key-vault",
            AzureKeyVault = { VaultUri = "https://v.vault.azure.net/", Credential = "client-secret" },
        });

        Assert.Contains(errors, e => e.StartsWith("KeyManager:AzureKeyVault:TenantId must be set", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("KeyManager:AzureKeyVault:ClientId must be set", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("KeyManager:AzureKeyVault:ClientSecret must be set", StringComparison.Ordinal)
            && e.Contains("IDENTITY_ISSUER_KeyManager__AzureKeyVault__ClientSecret", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UnderAnotherSection_NamesThatSection()
    {
        var errors = new List<string>();

        AzureKeyVaultKeyManagerOptions.Validate(new AzureKeyVaultKeyManagerOptions(), "Ca:Upstream:KeyManager", errors);

        Assert.Equal(["Ca:Upstream:KeyManager:AzureKeyVault:VaultUri must be set to the vault's URI, e.g. https://my-vault.vault.azure.net/"], errors);
    }

    private static List<string> Errors(KeyManagerOptions options)
    {
        var result = new KeyManagerOptionsValidator().Validate(null, options);
        return result.Failed ? [.. result.Failures!] : [];
    }
}
