using IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

namespace IdentityIssuer.Issuer.Tests.KeyManagement.AzureKeyVault;

public sealed class AzureKeyVaultChallengeTests
{
    [Theory]
    [InlineData("Bearer authorization=\"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47\", resource=\"https://vault.azure.net\"",
        "https://vault.azure.net/.default", "72f988bf-86f1-41af-91ab-2d7cd011db47")]
    [InlineData("Bearer authorization=\"https://login.microsoftonline.com/tenant-1\", scope=\"https://vault.azure.net/.default\"",
        "https://vault.azure.net/.default", "tenant-1")]
    [InlineData("Bearer authorization_uri=\"https://login.windows.net/t2/\", resource=\"https://vault.azure.net/\"",
        "https://vault.azure.net/.default", "t2")]
    public void Parse_KeyVaultChallenges_GivesScopeAndTenant(string header, string scope, string tenant)
    {
        var parsed = AzureKeyVaultChallenge.Parse(header);

        Assert.NotNull(parsed);
        Assert.Equal(scope, parsed.Value.Scope);
        Assert.Equal(tenant, parsed.Value.TenantId);
    }

    [Theory]
    [InlineData("Basic realm=\"x\"")]
    [InlineData("Bearer authorization=\"https://login.microsoftonline.com/t\"")]
    [InlineData("Bearer resource=\"not a uri\"")]
    public void Parse_OtherHeaders_GivesNothing(string header) => Assert.Null(AzureKeyVaultChallenge.Parse(header));

    [Theory]
    [InlineData("https://vault.azure.net/.default", "my-vault.vault.azure.net", true)]
    [InlineData("https://vault.azure.net/.default", "vault.azure.net", true)]
    [InlineData("https://localhost/.default", "localhost", true)]
    [InlineData("https://vault.azure.net/.default", "evil-vault.azure.net.example.com", false)]
    [InlineData("https://management.azure.com/.default", "my-vault.vault.azure.net", false)]
    [InlineData("https://vault.azure.net/.default", "myvault-vault.azure.net", false)]
    public void ScopeMatchesHost_OnlyForTheVaultsOwnDomain(string scope, string host, bool expected) =>
        Assert.Equal(expected, AzureKeyVaultChallenge.ScopeMatchesHost(scope, host));
}
