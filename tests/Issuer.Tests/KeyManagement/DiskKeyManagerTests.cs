using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

[UnsupportedOSPlatform("windows")]
public sealed class DiskKeyManagerTests : PersistentKeyManagerSuite
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "disk-key-manager-tests-" + Guid.NewGuid().ToString("N"));

    private string KeyDirectory => Path.Combine(_root, "data", "keys");

    private string EncryptionKeyPath => Path.Combine(KeyDirectory, DiskKeyManager.EncryptionKeyFileName);

    protected override IKeyManager CreateKeyManager() => new DiskKeyManager(KeyDirectory);

    [Fact]
    public void Name_IsDisk() => Assert.Equal("disk", Manager.Name);

    [Fact]
    public async Task Keys_WithNewManagerOnTheSameDirectory_AreLoadedAndStillSign()
    {
        var ec = await Manager.GenerateKeyAsync("ec", KeyType.EcP384, Ct);
        var rsa = await Manager.GenerateKeyAsync("rsa", KeyType.Rsa2048, Ct);

        var reopened = NewManager();

        var keys = await reopened.GetKeysAsync(Ct);
        Assert.Equal(["ec", "rsa"], keys.Select(k => k.KeyId));
        KeyAssert.SamePublicKey(ec.PublicKey, keys[0].PublicKey);
        KeyAssert.SamePublicKey(rsa.PublicKey, keys[1].PublicKey);
        var loaded = await reopened.GetKeyAsync("ec", Ct);
        Assert.NotNull(loaded);
        Assert.Equal(KeyType.EcP384, loaded.KeyType);
        var digest = SHA384.HashData("after restart"u8);
        var signature = await loaded.SignDigestAsync(digest, HashAlgorithmName.SHA384, Ct);
        Assert.True(KeyAssert.Verifies(ec.PublicKey, KeyType.EcP384, digest, signature, HashAlgorithmName.SHA384));
    }

    [Fact]
    public async Task GenerateKey_UnderExistingId_NewManagerLoadsTheNewKey()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var second = await Manager.GenerateKeyAsync("ca", KeyType.Rsa2048, Ct);

        var loaded = await NewManager().GetKeyAsync("ca", Ct);

        Assert.NotNull(loaded);
        Assert.Equal(KeyType.Rsa2048, loaded.KeyType);
        KeyAssert.SamePublicKey(second.PublicKey, loaded.PublicKey);
        Assert.Equal(["ca.key", "encryption.key"], FileNames());
    }

    [Fact]
    public async Task Files_AreWrittenOwnerOnly()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(KeyDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(KeyDirectory, "ca.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(EncryptionKeyPath));
    }

    [Fact]
    public async Task EncryptionKeyFile_IsGeneratedOnceAndReused()
    {
        await Manager.GenerateKeyAsync("first", KeyType.EcP256, Ct);
        var encryptionKey = await File.ReadAllTextAsync(EncryptionKeyPath, Ct);
        Assert.Equal(32, Convert.FromBase64String(encryptionKey.Trim()).Length);

        var reopened = NewManager();
        await reopened.GenerateKeyAsync("second", KeyType.EcP256, Ct);

        Assert.Equal(encryptionKey, await File.ReadAllTextAsync(EncryptionKeyPath, Ct));
        Assert.NotNull(await reopened.GetKeyAsync("first", Ct));
    }

    [Fact]
    public async Task ConfiguredEncryptionKey_IsUsedAndNoKeyFileIsGenerated()
    {
        var encryptionKey = RandomNumberGenerator.GetBytes(32);
        using var manager = new DiskKeyManager(KeyDirectory, encryptionKey);
        var generated = await manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);

        Assert.False(File.Exists(EncryptionKeyPath));
        using var reopened = new DiskKeyManager(KeyDirectory, encryptionKey);
        var loaded = await reopened.GetKeyAsync("ca", Ct);
        Assert.NotNull(loaded);
        KeyAssert.SamePublicKey(generated.PublicKey, loaded.PublicKey);
    }

    [Fact]
    public async Task GetKey_WithWrongEncryptionKey_ThrowsKeyManagerExceptionNamingTheFileAndKeepsIt()
    {
        using (var writer = new DiskKeyManager(KeyDirectory, RandomNumberGenerator.GetBytes(32)))
        {
            await writer.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        }

        var path = Path.Combine(KeyDirectory, "ca.key");
        var before = await File.ReadAllBytesAsync(path, Ct);
        using var reader = new DiskKeyManager(KeyDirectory, RandomNumberGenerator.GetBytes(32));

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => reader.GetKeyAsync("ca", Ct));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("encryption key", e.Message, StringComparison.Ordinal);
        Assert.False(e.IsTransient);
        await Assert.ThrowsAsync<KeyManagerException>(() => reader.GetKeysAsync(Ct));
        Assert.Equal(before, await File.ReadAllBytesAsync(path, Ct));
    }

    [Fact]
    public async Task GetKey_WithAnyByteOfTheFileFlipped_ThrowsKeyManagerExceptionOrLoadsTheOriginalKey()
    {
        var original = await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var path = Path.Combine(KeyDirectory, "ca.key");
        var file = await File.ReadAllBytesAsync(path, Ct);
        var rejected = 0;

        for (var i = 0; i < file.Length; i++)
        {
            var tampered = (byte[])file.Clone();
            tampered[i] ^= 0x01;
            await File.WriteAllBytesAsync(path, tampered, Ct);
            using var reader = new DiskKeyManager(KeyDirectory);
            try
            {
                // Base64 may carry unused low bits, so a flip can decode to the same bytes; it must then be the same key.
                var loaded = await reader.GetKeyAsync("ca", Ct);
                Assert.NotNull(loaded);
                KeyAssert.SamePublicKey(original.PublicKey, loaded.PublicKey);
            }
            catch (KeyManagerException e)
            {
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
                rejected++;
            }
        }

        Assert.True(rejected > file.Length * 9 / 10, $"{rejected} of {file.Length} flips rejected");
    }

    [Fact]
    public async Task GetKey_WithCiphertextBitFlipped_ThrowsKeyManagerExceptionSayingDecryptionFailed()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var path = Path.Combine(KeyDirectory, "ca.key");
        var envelope = JsonNode.Parse(await File.ReadAllBytesAsync(path, Ct))!.AsObject();
        var ciphertext = Convert.FromBase64String((string)envelope["ciphertext"]!);
        ciphertext[ciphertext.Length / 2] ^= 0x80;
        envelope["ciphertext"] = Convert.ToBase64String(ciphertext);
        await File.WriteAllTextAsync(path, envelope.ToJsonString(), Ct);

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => NewManager().GetKeyAsync("ca", Ct));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("decryption failed", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task GetKey_WithTruncatedFile_ThrowsKeyManagerExceptionAndLeavesTheFileAlone(int cut)
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var path = Path.Combine(KeyDirectory, "ca.key");
        var file = await File.ReadAllBytesAsync(path, Ct);
        var truncated = file[..(cut switch { 0 => 0, 1 => file.Length / 2, _ => file.Length - 3 })];
        await File.WriteAllBytesAsync(path, truncated, Ct);

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => NewManager().GetKeyAsync("ca", Ct));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Equal(truncated, await File.ReadAllBytesAsync(path, Ct));
    }

    [Fact]
    public async Task GetKey_WithUnknownFormatVersion_ThrowsKeyManagerExceptionNamingTheVersion()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var path = Path.Combine(KeyDirectory, "ca.key");
        var envelope = JsonNode.Parse(await File.ReadAllBytesAsync(path, Ct))!.AsObject();
        envelope["version"] = 2;
        await File.WriteAllTextAsync(path, envelope.ToJsonString(), Ct);

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => NewManager().GetKeyAsync("ca", Ct));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("version 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetKey_WithFileCopiedFromAnotherId_ThrowsKeyManagerException()
    {
        await Manager.GenerateKeyAsync("a", KeyType.EcP256, Ct);
        await Manager.GenerateKeyAsync("b", KeyType.EcP256, Ct);
        var aPath = Path.Combine(KeyDirectory, "a.key");
        var bPath = Path.Combine(KeyDirectory, "b.key");
        File.Copy(aPath, bPath, overwrite: true);

        var copied = await Assert.ThrowsAsync<KeyManagerException>(() => NewManager().GetKeyAsync("b", Ct));
        Assert.Contains(bPath, copied.Message, StringComparison.Ordinal);

        // Editing the id inside the copy does not help: the id is authenticated with the ciphertext.
        var envelope = JsonNode.Parse(await File.ReadAllBytesAsync(aPath, Ct))!.AsObject();
        envelope["keyId"] = "b";
        await File.WriteAllTextAsync(bPath, envelope.ToJsonString(), Ct);
        var edited = await Assert.ThrowsAsync<KeyManagerException>(() => NewManager().GetKeyAsync("b", Ct));
        Assert.Contains("decryption failed", edited.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetKey_WithKeyTypeEditedInTheFile_ThrowsKeyManagerException()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var path = Path.Combine(KeyDirectory, "ca.key");
        var envelope = JsonNode.Parse(await File.ReadAllBytesAsync(path, Ct))!.AsObject();
        envelope["keyType"] = "ec-p384";
        await File.WriteAllTextAsync(path, envelope.ToJsonString(), Ct);

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => NewManager().GetKeyAsync("ca", Ct));

        Assert.Contains("decryption failed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetKey_WithCorruptEncryptionKeyFile_ThrowsKeyManagerExceptionNamingIt()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        await File.WriteAllTextAsync(EncryptionKeyPath, "not base64!", Ct);

        var e = await Assert.ThrowsAsync<KeyManagerException>(() => NewManager().GetKeyAsync("ca", Ct));

        Assert.Contains(EncryptionKeyPath, e.Message, StringComparison.Ordinal);
        Assert.Equal("not base64!", await File.ReadAllTextAsync(EncryptionKeyPath, Ct));
    }

    [Theory]
    [InlineData(KeyType.EcP256)]
    [InlineData(KeyType.EcP384)]
    [InlineData(KeyType.Rsa2048)]
    public async Task Directory_NeverHoldsThePrivateKeyInPlaintext(KeyType keyType)
    {
        await Manager.GenerateKeyAsync("ca", keyType, Ct);
        var path = Path.Combine(KeyDirectory, "ca.key");
        var encryptionKey = Convert.FromBase64String((await File.ReadAllTextAsync(EncryptionKeyPath, Ct)).Trim());
        var (_, pkcs8) = DiskKeyFile.Open(await File.ReadAllBytesAsync(path, Ct), "ca", encryptionKey, path);

        var secrets = new List<byte[]> { pkcs8, Encoding.ASCII.GetBytes(Convert.ToBase64String(pkcs8)) };
        if (keyType is KeyType.EcP256 or KeyType.EcP384)
        {
            using var ec = ECDsa.Create();
            ec.ImportPkcs8PrivateKey(pkcs8, out _);
            secrets.Add(ec.ExportParameters(true).D!);
        }
        else
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            var parameters = rsa.ExportParameters(true);
            secrets.Add(parameters.P!);
            secrets.Add(parameters.D!);
        }

        foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            foreach (var secret in secrets)
            {
                Assert.True(bytes.AsSpan().IndexOf(secret) < 0, $"{Path.GetFileName(file)} holds private key material");
            }
        }
    }

    [Fact]
    public async Task LeftoverTempFilesFromACrash_DoNotBreakLoadingOrListing()
    {
        var generated = await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        await File.WriteAllBytesAsync(Path.Combine(KeyDirectory, $".ca.key.{Guid.NewGuid():N}.tmp"), "{\"format\":\"ident"u8.ToArray(), Ct);
        await File.WriteAllBytesAsync(Path.Combine(KeyDirectory, $".other.key.{Guid.NewGuid():N}.tmp"), [], Ct);

        var reopened = NewManager();

        Assert.Equal(["ca"], (await reopened.GetKeysAsync(Ct)).Select(k => k.KeyId));
        var loaded = await reopened.GetKeyAsync("ca", Ct);
        Assert.NotNull(loaded);
        KeyAssert.SamePublicKey(generated.PublicKey, loaded.PublicKey);
        Assert.Null(await reopened.GetKeyAsync("other", Ct));
        await reopened.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
    }

    [Fact]
    public async Task GetKeys_IgnoresFilesWhoseNameIsNotAKeyId()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        await File.WriteAllTextAsync(Path.Combine(KeyDirectory, "not a key id.key"), "x", Ct);
        await File.WriteAllTextAsync(Path.Combine(KeyDirectory, "README.txt"), "x", Ct);

        Assert.Equal(["ca"], (await NewManager().GetKeysAsync(Ct)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task DeleteKey_RemovesTheFile()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);

        await Manager.DeleteKeyAsync("ca", Ct);

        Assert.False(File.Exists(Path.Combine(KeyDirectory, "ca.key")));
        Assert.Null(await NewManager().GetKeyAsync("ca", Ct));
    }

    [Fact]
    public async Task EncryptionKeyId_IsReservedForTheEncryptionKeyFile()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Manager.GenerateKeyAsync("encryption", KeyType.EcP256, Ct));

        Assert.Contains("reserve", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetKey_BeforeAnyKeyExists_CreatesNothingButTheDirectoryAndEncryptionKey()
    {
        Assert.Null(await Manager.GetKeyAsync("ca", Ct));

        Assert.Equal(["encryption.key"], FileNames());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string[] FileNames() =>
        [.. Directory.EnumerateFiles(KeyDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
}
