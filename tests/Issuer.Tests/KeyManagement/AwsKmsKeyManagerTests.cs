using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Tests.Common.Kms;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>
/// The AWS KMS key manager through the real AWS SDK against a local server that speaks KMS's JSON
/// protocol and checks SigV4 signatures (<see cref="FakeKmsServer"/>). Each test gets its own
/// server; every manager of a test talks to the same one, as an issuer does after a restart.
/// </summary>
public sealed class AwsKmsKeyManagerTests : PersistentKeyManagerSuite, IAsyncLifetime
{
    private const string Prefix = AwsKmsKeyManagerOptions.DefaultAliasPrefix;

    private readonly List<AwsKmsKeyManager> _managers = [];
    private FakeKmsServer _kms = null!;

    public async Task InitializeAsync() => _kms = await FakeKmsServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var manager in _managers)
        {
            manager.Dispose();
        }

        await _kms.DisposeAsync();
    }

    protected override IKeyManager CreateKeyManager() => CreateManager(Options());

    private AwsKmsKeyManagerOptions Options(Action<AwsKmsKeyManagerOptions>? configure = null)
    {
        var options = new AwsKmsKeyManagerOptions { Region = _kms.Region, Endpoint = _kms.Endpoint.ToString() };
        configure?.Invoke(options);
        return options;
    }

    private AwsKmsKeyManager CreateManager(AwsKmsKeyManagerOptions options, string? accessKeyId = null, string? secretAccessKey = null, string sectionPath = "KeyManager")
    {
        var credentials = new BasicAWSCredentials(accessKeyId ?? _kms.AccessKeyId, secretAccessKey ?? _kms.SecretAccessKey);
        var manager = new AwsKmsKeyManager(AwsKmsKeyManager.CreateClient(options, credentials), options, sectionPath);
        _managers.Add(manager);
        return manager;
    }

    [Fact]
    public void Name_IsAwsKms() => Assert.Equal("aws-kms", Manager.Name);

    [Theory]
    [InlineData("ca", KeyType.EcP256, "ECC_NIST_P256", Prefix + "ca")]
    [InlineData("x509-ca.A_1", KeyType.EcP384, "ECC_NIST_P384", Prefix + "x509-ca/A_1")]
    [InlineData(".hidden", KeyType.Rsa2048, "RSA_2048", Prefix + "/hidden")]
    [InlineData("...", KeyType.Rsa4096, "RSA_4096", Prefix + "///")]
    public async Task GenerateKey_CreatesASigningKeyOfTheSpecUnderTheMappedAlias(string keyId, KeyType keyType, string keySpec, string alias)
    {
        var signer = await Manager.GenerateKeyAsync(keyId, keyType, Ct);

        var target = Assert.Single(_kms.Aliases(), a => a.Key.StartsWith(Prefix, StringComparison.Ordinal));
        Assert.Equal(alias, target.Key);
        var key = Assert.Single(_kms.Keys());
        Assert.Equal((target.Value, keySpec, "Enabled"), (key.KeyId, key.KeySpec, key.KeyState));
        Assert.Equal([keyId], (await NewManager().GetKeysAsync(Ct)).Select(k => k.KeyId));
        KeyAssert.SamePublicKey(signer.PublicKey, (await NewManager().GetKeyAsync(keyId, Ct))!.PublicKey);
    }

    [Fact]
    public async Task GetKeys_WithManyAliasesOverSmallPagesAndForeignAliases_ListsOnlyThisPrefixInIdOrder()
    {
        _kms.MaxAliasPageSize = 2;
        var ids = new[] { "e", "a.b", "c", "A", "d-1" };
        foreach (var id in ids)
        {
            await Manager.GenerateKeyAsync(id, KeyType.EcP256, Ct);
        }

        await CreateManager(Options(o => o.AliasPrefix = "alias/other-issuer/")).GenerateKeyAsync("x", KeyType.EcP256, Ct);

        var keys = await NewManager().GetKeysAsync(Ct);

        Assert.Equal(ids.Order(StringComparer.Ordinal), keys.Select(k => k.KeyId));
        Assert.Equal(4, _kms.Calls("ListAliases")); // 8 aliases (5 here, 1 foreign, 2 AWS managed) in pages of 2
    }

    [Fact]
    public async Task Sign_WhenThrottledTwice_IsRetriedAndSucceeds()
    {
        var signer = await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        _kms.ThrottleNext(2, "Sign");

        var digest = SHA256.HashData("throttled"u8);
        var signature = await signer.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct);

        Assert.True(KeyAssert.Verifies(signer.PublicKey, KeyType.EcP256, digest, signature, HashAlgorithmName.SHA256));
        Assert.Equal(3, _kms.Calls("Sign"));
    }

    [Fact]
    public async Task Sign_WhenThrottledPastMaxRetries_ThrowsTransientErrorNamingTheSetting()
    {
        var signer = await CreateManager(Options(o => o.MaxRetries = 1)).GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        _kms.ThrottleNext(5, "Sign");

        var e = await Assert.ThrowsAsync<KeyManagerException>(async () => await signer.SignDigestAsync(new byte[32], HashAlgorithmName.SHA256, Ct));

        Assert.True(e.IsTransient);
        Assert.Contains("ThrottlingException", e.Message, StringComparison.Ordinal);
        Assert.Contains("KeyManager:AwsKms:MaxRetries", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, _kms.Calls("Sign"));
    }

    [Fact]
    public async Task GetKey_WhenKmsFailsInternallyOnce_IsRetriedAndSucceeds()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP384, Ct);
        _kms.FailNext("DescribeKey", "KMSInternalException", "internal failure", HttpStatusCode.InternalServerError);

        Assert.NotNull(await NewManager().GetKeyAsync("ca", Ct));
    }

    [Fact]
    public async Task GenerateKey_WhenAccessIsDenied_ThrowsErrorNamingTheActionAliasAndSettingsButNoSecret()
    {
        _kms.DenyAccess("CreateKey");

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct));

        Assert.False(e.IsTransient);
        Assert.Contains("kms:CreateKey", e.Message, StringComparison.Ordinal);
        Assert.Contains("alias/identity-issuer/ca", e.Message, StringComparison.Ordinal);
        Assert.Contains("KeyManager:AwsKms:AliasPrefix", e.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_kms.SecretAccessKey, e.ToString(), StringComparison.Ordinal);
        Assert.Empty(_kms.Keys());
    }

    [Fact]
    public async Task ErrorMessages_UnderAnotherSection_NameThatSection()
    {
        _kms.DenyAccess();

        var e = await Assert.ThrowsAsync<KeyManagerException>(
            () => CreateManager(Options(), sectionPath: "Ca:Upstream:KeyManager").GetKeyAsync("ca", Ct));

        Assert.Contains("Ca:Upstream:KeyManager:AwsKms:AliasPrefix", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("KeyManager:AwsKms:AliasPrefix", e.Message.Replace("Ca:Upstream:KeyManager:AwsKms:AliasPrefix", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCall_SignedWithAWrongSecret_IsRefusedByTheServerAndCreatesNothing()
    {
        var wrongSecret = new string('x', 40);

        var e = await Assert.ThrowsAsync<KeyManagerException>(
            () => CreateManager(Options(), secretAccessKey: wrongSecret).GenerateKeyAsync("ca", KeyType.EcP256, Ct));

        Assert.False(e.IsTransient);
        Assert.Contains("InvalidSignatureException", e.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_SECRET_ACCESS_KEY", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongSecret, e.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, _kms.Calls("DescribeKey") + _kms.Calls("CreateKey"));
        Assert.Empty(_kms.Keys());
    }

    [Fact]
    public async Task EveryCall_WithAnUnknownAccessKey_IsRefusedAsAnInvalidToken()
    {
        var e = await Assert.ThrowsAsync<KeyManagerException>(
            () => CreateManager(Options(), accessKeyId: "AKIAUNKNOWNUNKNOWN00").GetKeysAsync(Ct));

        Assert.Contains("UnrecognizedClientException", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _kms.Calls("ListAliases"));
    }

    [Fact]
    public async Task GetKey_WhenTheEndpointIsUnreachable_ThrowsTransientErrorNamingTheEndpointSetting()
    {
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var manager = CreateManager(Options(o =>
        {
            o.Endpoint = $"http://127.0.0.1:{port}";
            o.MaxRetries = 0;
        }));

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => manager.GetKeyAsync("ca", Ct));

        Assert.True(e.IsTransient);
        Assert.Contains("KeyManager:AwsKms:Endpoint", e.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GetPublicKey")]
    [InlineData("UpdateAlias")]
    public async Task GenerateKey_ReplacingWhenAStepFails_LeavesTheOldKeyUsableAndRetiresTheHalfMadeOne(string failingOperation)
    {
        var old = await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        _kms.DenyAccess(failingOperation);

        await Assert.ThrowsAsync<KeyManagerException>(() => Manager.GenerateKeyAsync("ca", KeyType.EcP384, Ct));
        _kms.AllowAll();

        var restarted = NewManager();
        var found = await restarted.GetKeyAsync("ca", Ct);
        Assert.NotNull(found);
        Assert.Equal(KeyType.EcP256, found.KeyType);
        KeyAssert.SamePublicKey(old.PublicKey, found.PublicKey);
        var digest = SHA256.HashData("still the old key"u8);
        Assert.True(KeyAssert.Verifies(old.PublicKey, KeyType.EcP256, digest, await old.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct), HashAlgorithmName.SHA256));
        Assert.Equal(["ca"], (await restarted.GetKeysAsync(Ct)).Select(k => k.KeyId));
        var orphan = Assert.Single(_kms.Keys(), k => k.KeySpec == "ECC_NIST_P384");
        Assert.Equal(("PendingDeletion", 7), (orphan.KeyState, orphan.PendingWindowInDays));
    }

    [Fact]
    public async Task GenerateKey_CreatingWhenCreateAliasFails_LeavesNoKeyListed()
    {
        _kms.DenyAccess("CreateAlias");

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct));
        _kms.AllowAll();

        Assert.Contains("kms:CreateAlias", e.Message, StringComparison.Ordinal);
        Assert.Empty(await NewManager().GetKeysAsync(Ct));
        Assert.All(_kms.Keys(), k => Assert.Equal("PendingDeletion", k.KeyState));
    }

    [Fact]
    public async Task DeleteKey_WhenDeleteAliasIsDenied_LeavesTheKeyFoundAndSigning()
    {
        var signer = await Manager.GenerateKeyAsync("ca", KeyType.Rsa2048, Ct);
        _kms.DenyAccess("DeleteAlias");

        await Assert.ThrowsAsync<KeyManagerException>(() => Manager.DeleteKeyAsync("ca", Ct));
        _kms.AllowAll();

        Assert.NotNull(await NewManager().GetKeyAsync("ca", Ct));
        var digest = SHA256.HashData("not deleted"u8);
        Assert.True(KeyAssert.Verifies(signer.PublicKey, KeyType.Rsa2048, digest, await signer.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct), HashAlgorithmName.SHA256));
    }

    [Fact]
    public async Task DeleteKey_WhenSchedulingTheDeletionFails_StillRemovesTheKeyFromView()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        _kms.DenyAccess("ScheduleKeyDeletion");

        Assert.True(await Manager.DeleteKeyAsync("ca", Ct));
        _kms.AllowAll();

        Assert.Null(await NewManager().GetKeyAsync("ca", Ct));
        Assert.DoesNotContain(_kms.Aliases().Keys, a => a.StartsWith(Prefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReplaceAndDelete_ScheduleTheOldKeysDeletionWithTheConfiguredWindow()
    {
        var manager = CreateManager(Options(o => o.PendingDeletionDays = 9));
        await manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        await manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        await manager.DeleteKeyAsync("ca", Ct);

        var keys = _kms.Keys();
        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.Equal(("PendingDeletion", 9), (k.KeyState, k.PendingWindowInDays)));
    }

    [Fact]
    public async Task GetKey_WhenAnOperatorScheduledTheKeysDeletion_ThrowsErrorSayingHowToRecover()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var kmsKeyId = _kms.Aliases()[Prefix + "ca"];
        using (var admin = AwsKmsKeyManager.CreateClient(Options(), new BasicAWSCredentials(_kms.AccessKeyId, _kms.SecretAccessKey)))
        {
            await admin.ScheduleKeyDeletionAsync(new Amazon.KeyManagementService.Model.ScheduleKeyDeletionRequest { KeyId = kmsKeyId, PendingWindowInDays = 7 }, Ct);
        }

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => NewManager().GetKeyAsync("ca", Ct));

        Assert.False(e.IsTransient);
        Assert.Contains("alias/identity-issuer/ca", e.Message, StringComparison.Ordinal);
        Assert.Contains("cancel-key-deletion", e.Message, StringComparison.Ordinal);
    }
}
