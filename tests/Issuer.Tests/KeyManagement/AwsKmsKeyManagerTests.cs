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
}
