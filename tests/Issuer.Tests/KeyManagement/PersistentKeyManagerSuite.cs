using System.Security.Cryptography;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>
/// The shared suite plus what a key manager whose keys outlive the process must do (disk, an HSM, a
/// KMS). Within one test, every <see cref="KeyManagerSuite.CreateKeyManager"/> call must return a new
/// manager over the same backing store (directory, token, vault), so <see cref="KeyManagerSuite.NewManager"/>
/// stands for the issuer after a restart; each test starts with an empty store.
/// </summary>
public abstract class PersistentKeyManagerSuite : KeyManagerSuite
{
    [Theory]
    [MemberData(nameof(KeyTypesData))]
    public async Task Key_AfterRestart_IsFoundWithTheSamePublicKeyAndStillSigns(KeyType keyType)
    {
        var created = await Manager.GenerateKeyAsync("ca-1", keyType, Ct);

        var restarted = NewManager();
        var found = await restarted.GetKeyAsync("ca-1", Ct);

        Assert.NotNull(found);
        Assert.Equal(keyType, found.KeyType);
        KeyAssert.SamePublicKey(created.PublicKey, found.PublicKey);
        var digest = SHA256.HashData("signed after a restart"u8);
        var signature = await found.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct);
        Assert.True(KeyAssert.Verifies(created.PublicKey, keyType, digest, signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public async Task Keys_AfterRestart_AreListedInIdOrder()
    {
        await Manager.GenerateKeyAsync("x509-b", KeyType.EcP256, Ct);
        await Manager.GenerateKeyAsync("jwt-a", KeyType.EcP384, Ct);

        var keys = await NewManager().GetKeysAsync(Ct);

        Assert.Equal(["jwt-a", "x509-b"], keys.Select(k => k.KeyId));
    }

    [Fact]
    public async Task DeletedKey_AfterRestart_StaysDeleted()
    {
        await Manager.GenerateKeyAsync("old", KeyType.EcP256, Ct);
        await Manager.GenerateKeyAsync("kept", KeyType.EcP256, Ct);
        Assert.True(await Manager.DeleteKeyAsync("old", Ct));

        var restarted = NewManager();

        Assert.Null(await restarted.GetKeyAsync("old", Ct));
        Assert.Equal(["kept"], (await restarted.GetKeysAsync(Ct)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task ReplacedKey_AfterRestart_IsTheNewKey()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var second = await Manager.GenerateKeyAsync("ca", KeyType.EcP384, Ct);

        var found = await NewManager().GetKeyAsync("ca", Ct);

        Assert.NotNull(found);
        Assert.Equal(KeyType.EcP384, found.KeyType);
        KeyAssert.SamePublicKey(second.PublicKey, found.PublicKey);
        Assert.Single(await NewManager().GetKeysAsync(Ct));
    }
}
