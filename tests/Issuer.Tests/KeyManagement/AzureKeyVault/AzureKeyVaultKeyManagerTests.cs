using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Azure.Core.Pipeline;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;
using IdentityIssuer.Tests.Common.AzureKeyVault;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.Issuer.Tests.KeyManagement.AzureKeyVault;

/// <summary>
/// The shared suite against the local Key Vault fake (a new fake per test, so each test starts
/// with an empty vault; every manager of one test talks to the same fake), plus what is particular
/// to Key Vault: the bearer challenge, refusals, throttling, an unreachable vault, key names.
/// </summary>
public sealed partial class AzureKeyVaultKeyManagerTests : PersistentKeyManagerSuite, IAsyncLifetime
{
    private FakeKeyVault? _vault;

    private FakeKeyVault Vault => _vault ?? throw new InvalidOperationException("the fake vault is not started");

    public async Task InitializeAsync() => _vault = await FakeKeyVault.StartAsync();

    public async Task DisposeAsync()
    {
        if (_vault is not null)
        {
            await _vault.DisposeAsync();
        }
    }

    protected override IKeyManager CreateKeyManager() => CreateManager(Options());

    private AzureKeyVaultKeyManagerOptions Options(Action<AzureKeyVaultKeyManagerOptions>? configure = null)
    {
        var options = new AzureKeyVaultKeyManagerOptions
        {
            VaultUri = Vault.VaultUri.AbsoluteUri,
            Credential = AzureKeyVaultKeyManagerOptions.ClientSecretCredential,
            TenantId = Vault.TenantId,
            ClientId = Vault.ClientId,
            ClientSecret = Vault.ClientSecret,
            AuthorityHost = Vault.AuthorityHost.AbsoluteUri,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        };
        configure?.Invoke(options);
        return options;
    }

    private AzureKeyVaultKeyManager CreateManager(AzureKeyVaultKeyManagerOptions options) =>
        AzureKeyVaultKeyManager.Create(options, "KeyManager", logger: null, new HttpClientTransport(Vault.CreateTrustingHandler()));

    [Fact]
    public void Name_IsAzureKeyVault() => Assert.Equal("azure-key-vault", Manager.Name);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FirstRequest_IsChallengedAndRetriedWithATokenForTheChallengedScope(bool challengeWithScope)
    {
        Vault.ChallengeWithScope = challengeWithScope;

        var signer = await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var digest = SHA256.HashData("after the challenge"u8);
        var signature = await signer.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct);

        Assert.True(KeyAssert.Verifies(signer.PublicKey, KeyType.EcP256, digest, signature, HashAlgorithmName.SHA256));
        Assert.Equal(1, Vault.Challenges);
        Assert.Equal(1, Vault.TokensIssued);
        Assert.Empty(Vault.UnhandledRequests);
    }

    [Fact]
    public async Task Challenge_ForAResourceOfAnotherDomain_IsRefusedWithoutGettingAToken()
    {
        Vault.Resource = "https://vault.azure.net";

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => Manager.GetKeysAsync(Ct));

        Assert.Contains("KeyManager:AzureKeyVault:VaultUri", e.Message, StringComparison.Ordinal);
        Assert.Contains("https://vault.azure.net", e.Message, StringComparison.Ordinal);
        Assert.False(e.IsTransient);
        Assert.Equal(0, Vault.TokensIssued);
    }

    [Fact]
    public async Task LaterRequests_ReuseTheChallengedScopeAndToken()
    {
        var signer = await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);

        for (var i = 0; i < 5; i++)
        {
            await signer.SignDigestAsync(new byte[32], HashAlgorithmName.SHA256, Ct);
        }

        await Manager.GetKeysAsync(Ct);
        Assert.Equal(1, Vault.Challenges);
        Assert.Equal(1, Vault.TokensIssued);
    }

    [Fact]
    public async Task ForbiddenVault_ThrowsPermanentErrorNamingTheVaultTheSettingAndThePermission()
    {
        Vault.Forbidden = true;

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => Manager.GetKeysAsync(Ct));

        Assert.False(e.IsTransient);
        Assert.Contains(Vault.VaultUri.AbsoluteUri, e.Message, StringComparison.Ordinal);
        Assert.Contains("KeyManager:AzureKeyVault:VaultUri", e.Message, StringComparison.Ordinal);
        Assert.Contains("keys/list", e.Message, StringComparison.Ordinal);
        Assert.Contains("403", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Vault.ClientSecret, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongClientSecret_ThrowsPermanentErrorNamingTheCredentialSettingButNotTheSecret()
    {
        const string WrongSecret = "wrong-secret-0123456789abcdef";
        var manager = CreateManager(Options(o => o.ClientSecret = WrongSecret));

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct));

        Assert.False(e.IsTransient);
        Assert.Contains("KeyManager:AzureKeyVault:Credential ('client-secret')", e.Message, StringComparison.Ordinal);
        Assert.Contains("AADSTS7000215", e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(WrongSecret, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Vault.ClientSecret, e.ToString(), StringComparison.Ordinal);
        Assert.Empty(Vault.KeyNames);
    }

    [Fact]
    public async Task ThrottledRequests_AreRetriedAndTheSignatureStillComes()
    {
        var signer = await Manager.GenerateKeyAsync("ca", KeyType.EcP384, Ct);
        var before = Vault.VaultRequests;
        Vault.ThrottleNext(2);

        var digest = SHA384.HashData("throttled"u8);
        var signature = await signer.SignDigestAsync(digest, HashAlgorithmName.SHA384, Ct);

        Assert.True(KeyAssert.Verifies(signer.PublicKey, KeyType.EcP384, digest, signature, HashAlgorithmName.SHA384));
        Assert.Equal(before + 3, Vault.VaultRequests);
    }

    [Fact]
    public async Task ServerErrors_AreRetried()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        Vault.FailNext(3);

        Assert.Single(await Manager.GetKeysAsync(Ct));
    }

    [Fact]
    public async Task ThrottlingBeyondMaxRetries_ThrowsTransientErrorNamingTheRetrySetting()
    {
        var manager = CreateManager(Options(o => o.MaxRetries = 2));
        var signer = await manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var before = Vault.VaultRequests;
        Vault.ThrottleNext(100);

        var e = await Assert.ThrowsAsync<KeyManagerException>(async () => await signer.SignDigestAsync(new byte[32], HashAlgorithmName.SHA256, Ct));

        Assert.True(e.IsTransient);
        Assert.Contains("429", e.Message, StringComparison.Ordinal);
        Assert.Contains("KeyManager:AzureKeyVault:MaxRetries", e.Message, StringComparison.Ordinal);
        Assert.Equal(before + 3, Vault.VaultRequests);
    }

    [Fact]
    public async Task UnreachableVault_ThrowsTransientErrorNamingTheVaultUriSetting()
    {
        var nowhere = $"https://localhost:{FreePort.Next()}/";
        var manager = CreateManager(Options(o =>
        {
            o.VaultUri = nowhere;
            o.MaxRetries = 1;
        }));

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => manager.GetKeysAsync(Ct));

        Assert.True(e.IsTransient);
        Assert.Contains("KeyManager:AzureKeyVault:VaultUri", e.Message, StringComparison.Ordinal);
        Assert.Contains(nowhere, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyNames_AreValidVaultNamesUnderThePrefix_AndIdsDifferingOnlyInCaseStayApart()
    {
        var upper = await Manager.GenerateKeyAsync("A", KeyType.EcP256, Ct);
        var lower = await Manager.GenerateKeyAsync("a", KeyType.EcP256, Ct);
        await Manager.GenerateKeyAsync(new string('z', 128), KeyType.EcP256, Ct);
        await Manager.GenerateKeyAsync("x509-ca.A_1", KeyType.EcP256, Ct);

        var keys = await NewManager().GetKeysAsync(Ct);

        Assert.Equal(["A", "a", "x509-ca.A_1", new string('z', 128)], keys.Select(k => k.KeyId));
        KeyAssert.DifferentPublicKey(upper.PublicKey, lower.PublicKey);
        KeyAssert.SamePublicKey(upper.PublicKey, keys[0].PublicKey);
        Assert.All(Vault.KeyNames, name =>
        {
            Assert.Matches(VaultName(), name);
            Assert.StartsWith("identity-issuer-", name, StringComparison.Ordinal);
        });
        Assert.Contains("identity-issuer-x509-0ca-1-a-21", Vault.KeyNames);
    }

    [Fact]
    public async Task KeysOfOtherApplications_WithThePrefixButNotOurTag_AreNeitherListedNorFound()
    {
        Vault.AddForeignKey("identity-issuer-ca");
        Vault.AddForeignKey("other-app-key", new Dictionary<string, string> { [AzureKeyVaultKeyNames.KeyIdTag] = "ca" });
        await Manager.GenerateKeyAsync("mine", KeyType.EcP256, Ct);

        Assert.Equal(["mine"], (await Manager.GetKeysAsync(Ct)).Select(k => k.KeyId));
        Assert.Null(await Manager.GetKeyAsync("ca", Ct));
        Assert.False(await Manager.DeleteKeyAsync("ca", Ct));
        Assert.Contains("identity-issuer-ca", Vault.KeyNames);
    }

    [Fact]
    public async Task TwoPrefixes_ShareOneVaultWithoutSeeingEachOthersKeys()
    {
        var other = CreateManager(Options(o => o.KeyNamePrefix = "issuer-b-"));
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        await other.GenerateKeyAsync("ca", KeyType.EcP384, Ct);

        Assert.Equal(KeyType.EcP256, Assert.Single(await Manager.GetKeysAsync(Ct)).KeyType);
        Assert.Equal(KeyType.EcP384, Assert.Single(await other.GetKeysAsync(Ct)).KeyType);
    }

    [Fact]
    public async Task ManyKeys_AreListedAcrossEveryPage()
    {
        Vault.PageSize = 2;
        string[] ids = ["k1", "k2", "k3", "k4", "k5"];
        foreach (var id in ids)
        {
            await Manager.GenerateKeyAsync(id, KeyType.EcP256, Ct);
        }

        Assert.Equal(ids, (await NewManager().GetKeysAsync(Ct)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task ReplacedKey_OldSignerFailsBecauseTheVaultDisabledItsVersion()
    {
        var first = await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);

        var e = await Assert.ThrowsAsync<KeyManagerException>(async () => await first.SignDigestAsync(new byte[32], HashAlgorithmName.SHA256, Ct));

        Assert.Contains("disabled", e.Message, StringComparison.Ordinal);
        Assert.False(e.IsTransient);
        Assert.Equal(["identity-issuer-ca"], Vault.KeyNames);
    }

    [Fact]
    public async Task DeletedKey_IsSoftDeleted_AndItsIdCannotBeReusedUntilPurged()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        Assert.True(await Manager.DeleteKeyAsync("ca", Ct));

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct));

        Assert.Equal(["identity-issuer-ca"], Vault.DeletedKeyNames);
        Assert.Contains("409", e.Message, StringComparison.Ordinal);
        Assert.Contains("KeyManager:AzureKeyVault:PurgeDeletedKeys", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithPurgeDeletedKeys_DeletedKeyIsPurgedAndItsIdCanBeReused()
    {
        var manager = CreateManager(Options(o => o.PurgeDeletedKeys = true));
        await manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);

        Assert.True(await manager.DeleteKeyAsync("ca", Ct));
        Assert.Empty(Vault.DeletedKeyNames);
        await manager.GenerateKeyAsync("ca", KeyType.Rsa2048, Ct);

        Assert.Equal(KeyType.Rsa2048, (await manager.GetKeyAsync("ca", Ct))?.KeyType);
    }

    [Theory]
    [InlineData(KeyType.EcP256, "SHA384")]
    [InlineData(KeyType.EcP256, "SHA512")]
    [InlineData(KeyType.EcP384, "SHA256")]
    [InlineData(KeyType.EcP384, "SHA512")]
    public async Task EcdsaKey_WithADigestOfAnotherSize_SignsAsEcdsaDoesAndVerifiesWithThatHash(KeyType keyType, string hashName)
    {
        var hash = new HashAlgorithmName(hashName);
        var signer = await Manager.GenerateKeyAsync("ca", keyType, Ct);
        var data = "certificate to be signed"u8.ToArray();
        var digest = CryptographicOperations.HashData(hash, data);

        var signature = await signer.SignDigestAsync(digest, hash, Ct);

        using var ec = signer.PublicKey.GetECDsaPublicKey()!;
        Assert.True(ec.VerifyData(data, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [GeneratedRegex("^[0-9a-zA-Z-]{1,127}$")]
    private static partial Regex VaultName();
}
