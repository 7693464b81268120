using System.Security.Cryptography;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

public abstract partial class KeyManagerSuite
{
    [Fact]
    public async Task ManyTasks_GeneratingGettingAndSigningAtOnce_AllSucceedAndEveryKeyIsKept()
    {
        const int Tasks = 24;
        var shared = await Manager.GenerateKeyAsync("shared", KeyType.EcP256, Ct);

        var work = Enumerable.Range(0, Tasks).Select(i => Task.Run(
            async () =>
            {
                var keyType = i % 3 == 0 ? KeyType.EcP384 : KeyType.EcP256;
                var own = await Manager.GenerateKeyAsync($"task-{i:D2}", keyType, Ct);
                if (i % 4 == 0)
                {
                    // Several tasks replace the same id at once; the last one wins.
                    await Manager.GenerateKeyAsync("replaced", KeyType.EcP256, Ct);
                }

                for (var n = 0; n < 10; n++)
                {
                    var digest = SHA256.HashData(BitConverter.GetBytes((i * 100) + n));
                    var ownSignature = await own.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct);
                    Assert.True(KeyAssert.Verifies(own.PublicKey, keyType, digest, ownSignature, HashAlgorithmName.SHA256));

                    var sharedSignature = await shared.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct);
                    Assert.True(KeyAssert.Verifies(shared.PublicKey, KeyType.EcP256, digest, sharedSignature, HashAlgorithmName.SHA256));

                    var found = await Manager.GetKeyAsync($"task-{i:D2}", Ct);
                    Assert.NotNull(found);
                    _ = await Manager.GetKeysAsync(Ct);
                }
            },
            Ct));
        await Task.WhenAll(work);

        var keys = await Manager.GetKeysAsync(Ct);
        Assert.Equal(Tasks + 2, keys.Count);
        var replaced = await Manager.GetKeyAsync("replaced", Ct);
        Assert.NotNull(replaced);
        var digestForReplaced = SHA256.HashData("last writer"u8);
        var signature = await replaced.SignDigestAsync(digestForReplaced, HashAlgorithmName.SHA256, Ct);
        Assert.True(KeyAssert.Verifies(replaced.PublicKey, KeyType.EcP256, digestForReplaced, signature, HashAlgorithmName.SHA256));
    }
}
