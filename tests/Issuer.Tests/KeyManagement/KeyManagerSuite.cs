using System.Security.Cryptography;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>
/// The behaviour every <see cref="IKeyManager"/> must have. An implementation gets the whole suite
/// by subclassing and returning a fresh, empty manager from <see cref="CreateKeyManager"/>.
/// </summary>
public abstract partial class KeyManagerSuite : IDisposable
{
    private readonly List<IKeyManager> _managers = [];
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private IKeyManager? _manager;

    public static TheoryData<KeyType> KeyTypesData => [KeyType.EcP256, KeyType.EcP384, KeyType.Rsa2048, KeyType.Rsa4096];

    public static TheoryData<string> InvalidKeyIds =>
    [
        "", ".", "..", "a/b", "../escape", "a\\b", "with space", "tab\t", "nul\0", "ümlaut", "semi;colon", "star*", new string('a', 129),
    ];

    public static TheoryData<string> ValidKeyIds => ["a", "x509-ca.A_1", ".hidden", "...", "-dash", new string('z', 128)];

    /// <summary>Cancels a test that hangs instead of blocking the run.</summary>
    protected CancellationToken Ct => _timeout.Token;

    /// <summary>The manager under test, created on first use.</summary>
    protected IKeyManager Manager => _manager ??= NewManager();

    /// <summary>A fresh, empty key manager of the implementation under test.</summary>
    protected abstract IKeyManager CreateKeyManager();

    /// <summary>A manager the suite disposes at the end of the test.</summary>
    protected IKeyManager NewManager()
    {
        var manager = CreateKeyManager();
        _managers.Add(manager);
        return manager;
    }

    [Theory]
    [MemberData(nameof(KeyTypesData))]
    public async Task GenerateKey_ForEachKeyType_ReturnsSignerWithThatKeyTypeAndPublicKey(KeyType keyType)
    {
        var signer = await Manager.GenerateKeyAsync("key-1", keyType, Ct);

        Assert.Equal("key-1", signer.KeyId);
        Assert.Equal(keyType, signer.KeyType);
        KeyAssert.PublicKeyIs(keyType, signer.PublicKey);
    }

    [Theory]
    [MemberData(nameof(KeyTypesData))]
    public async Task SignDigest_ForEveryHash_VerifiesWithThePublicKey(KeyType keyType)
    {
        var signer = await Manager.GenerateKeyAsync("key-1", keyType, Ct);

        foreach (var hash in KeyAssert.Hashes)
        {
            var digest = CryptographicOperations.HashData(hash, "to be signed"u8);
            var signature = await signer.SignDigestAsync(digest, hash, Ct);

            Assert.True(KeyAssert.Verifies(signer.PublicKey, keyType, digest, signature, hash), $"{keyType} {hash.Name}");
        }
    }

    [Theory]
    [InlineData(KeyType.EcP256, 64)]
    [InlineData(KeyType.EcP384, 96)]
    public async Task SignDigest_WithEcdsaKey_ReturnsFixedWidthP1363(KeyType keyType, int length)
    {
        var signer = await Manager.GenerateKeyAsync("key-1", keyType, Ct);

        for (var i = 0; i < 20; i++)
        {
            var digest = SHA256.HashData(BitConverter.GetBytes(i));
            Assert.Equal(length, (await signer.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct)).Length);
        }
    }

    [Fact]
    public async Task SignDigest_WithDigestOfWrongLength_ThrowsArgumentException()
    {
        var signer = await Manager.GenerateKeyAsync("key-1", KeyType.EcP256, Ct);

        await Assert.ThrowsAsync<ArgumentException>(
            async () => await signer.SignDigestAsync(new byte[20], HashAlgorithmName.SHA256, Ct));
    }

    [Fact]
    public async Task SignDigest_WithUnsupportedHash_ThrowsArgumentException()
    {
        var signer = await Manager.GenerateKeyAsync("key-1", KeyType.Rsa2048, Ct);

        var e = await Assert.ThrowsAsync<ArgumentException>(
            async () => await signer.SignDigestAsync(MD5.HashData("x"u8), HashAlgorithmName.MD5, Ct));
        Assert.Contains("MD5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetKey_AfterGenerate_ReturnsTheSameKey()
    {
        var generated = await Manager.GenerateKeyAsync("key-1", KeyType.EcP256, Ct);

        var found = await Manager.GetKeyAsync("key-1", Ct);

        Assert.NotNull(found);
        Assert.Equal(KeyType.EcP256, found.KeyType);
        KeyAssert.SamePublicKey(generated.PublicKey, found.PublicKey);
    }

    [Fact]
    public async Task GetKey_UnknownId_ReturnsNull()
    {
        await Manager.GenerateKeyAsync("key-1", KeyType.EcP256, Ct);

        Assert.Null(await Manager.GetKeyAsync("key-2", Ct));
    }

    [Fact]
    public async Task GetKeys_WhenEmpty_ReturnsEmptyList()
    {
        Assert.Empty(await Manager.GetKeysAsync(Ct));
    }

    [Fact]
    public async Task GetKeys_ReturnsEveryKeyOrderedById()
    {
        await Manager.GenerateKeyAsync("b", KeyType.EcP256, Ct);
        await Manager.GenerateKeyAsync("a", KeyType.EcP384, Ct);
        await Manager.GenerateKeyAsync("C", KeyType.Rsa2048, Ct);

        var keys = await Manager.GetKeysAsync(Ct);

        Assert.Equal(["C", "a", "b"], keys.Select(k => k.KeyId));
        Assert.Equal([KeyType.Rsa2048, KeyType.EcP384, KeyType.EcP256], keys.Select(k => k.KeyType));
    }

    [Fact]
    public async Task DeleteKey_ExistingKey_RemovesItAndReturnsTrue()
    {
        await Manager.GenerateKeyAsync("key-1", KeyType.EcP256, Ct);
        await Manager.GenerateKeyAsync("key-2", KeyType.EcP256, Ct);

        Assert.True(await Manager.DeleteKeyAsync("key-1", Ct));

        Assert.Null(await Manager.GetKeyAsync("key-1", Ct));
        Assert.Equal(["key-2"], (await Manager.GetKeysAsync(Ct)).Select(k => k.KeyId));
        Assert.False(await Manager.DeleteKeyAsync("key-1", Ct));
    }

    [Fact]
    public async Task DeleteKey_UnknownId_ReturnsFalse()
    {
        Assert.False(await Manager.DeleteKeyAsync("nothing-here", Ct));
    }

    [Fact]
    public async Task DeleteKey_ThenSignWithTheOldSigner_ThrowsKeyManagerException()
    {
        var signer = await Manager.GenerateKeyAsync("key-1", KeyType.EcP256, Ct);
        await Manager.DeleteKeyAsync("key-1", Ct);

        await Assert.ThrowsAsync<KeyManagerException>(
            async () => await signer.SignDigestAsync(new byte[32], HashAlgorithmName.SHA256, Ct));
    }

    [Fact]
    public async Task GenerateKey_UnderExistingId_ReplacesTheKey()
    {
        var first = await Manager.GenerateKeyAsync("key-1", KeyType.EcP256, Ct);

        var second = await Manager.GenerateKeyAsync("key-1", KeyType.EcP384, Ct);

        KeyAssert.DifferentPublicKey(first.PublicKey, second.PublicKey);
        var found = await Manager.GetKeyAsync("key-1", Ct);
        Assert.NotNull(found);
        Assert.Equal(KeyType.EcP384, found.KeyType);
        KeyAssert.SamePublicKey(second.PublicKey, found.PublicKey);
        Assert.Single(await Manager.GetKeysAsync(Ct));
        await Assert.ThrowsAsync<KeyManagerException>(
            async () => await first.SignDigestAsync(new byte[32], HashAlgorithmName.SHA256, Ct));
    }

    [Theory]
    [MemberData(nameof(InvalidKeyIds))]
    public async Task EveryOperation_WithInvalidKeyId_ThrowsArgumentExceptionNamingTheRule(string keyId)
    {
        var generate = await Assert.ThrowsAsync<ArgumentException>(() => Manager.GenerateKeyAsync(keyId, KeyType.EcP256, Ct));
        Assert.Contains("key id", generate.Message, StringComparison.Ordinal);
        Assert.Contains("A-Z", generate.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => Manager.GetKeyAsync(keyId, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Manager.DeleteKeyAsync(keyId, Ct));
        Assert.Empty(await Manager.GetKeysAsync(Ct));
    }

    [Fact]
    public async Task EveryOperation_WithNullKeyId_ThrowsArgumentNullException()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => Manager.GenerateKeyAsync(null!, KeyType.EcP256, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Manager.GetKeyAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Manager.DeleteKeyAsync(null!, Ct));
    }

    [Theory]
    [MemberData(nameof(ValidKeyIds))]
    public async Task GenerateKey_WithValidEdgeCaseId_CanBeFoundAgain(string keyId)
    {
        await Manager.GenerateKeyAsync(keyId, KeyType.EcP256, Ct);

        Assert.NotNull(await Manager.GetKeyAsync(keyId, Ct));
        Assert.Equal([keyId], (await Manager.GetKeysAsync(Ct)).Select(k => k.KeyId));
    }

    [Theory]
    [InlineData(KeyType.Unspecified)]
    [InlineData((KeyType)99)]
    public async Task GenerateKey_WithUnspecifiedOrUnknownKeyType_ThrowsArgumentException(KeyType keyType)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Manager.GenerateKeyAsync("key-1", keyType, Ct));

        Assert.Null(await Manager.GetKeyAsync("key-1", Ct));
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var manager in _managers)
            {
                (manager as IDisposable)?.Dispose();
            }

            _timeout.Dispose();
        }
    }
}
