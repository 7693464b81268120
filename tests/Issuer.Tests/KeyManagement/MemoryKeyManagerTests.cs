using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

public sealed class MemoryKeyManagerTests : KeyManagerSuite
{
    protected override IKeyManager CreateKeyManager() => new MemoryKeyManager();

    [Fact]
    public void Name_IsMemory() => Assert.Equal("memory", Manager.Name);

    [Fact]
    public async Task Dispose_ThenUseAnOldSigner_ThrowsKeyManagerException()
    {
        var manager = new MemoryKeyManager();
        var signer = await manager.GenerateKeyAsync("key-1", KeyType.EcP256, Ct);

        manager.Dispose();

        await Assert.ThrowsAsync<KeyManagerException>(
            async () => await signer.SignDigestAsync(new byte[32], System.Security.Cryptography.HashAlgorithmName.SHA256, Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => manager.GetKeyAsync("key-1", Ct));
    }
}
