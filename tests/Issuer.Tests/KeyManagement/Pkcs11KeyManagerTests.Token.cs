using System.Security.Cryptography;
using IdentityIssuer.Issuer.KeyManagement;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>What only the PKCS#11 key manager does: token objects, PINs, modules, sessions, a token that goes away.</summary>
public sealed partial class Pkcs11KeyManagerTests
{
    [Theory]
    [InlineData(KeyType.EcP256)]
    [InlineData(KeyType.Rsa2048)]
    public async Task GeneratedKey_IsASensitiveNonExtractableTokenObjectPairWithTheLabel(KeyType keyType)
    {
        var signer = await Manager.GenerateKeyAsync("x509-ca-A", keyType, Ct);

        using var module = Pkcs11Module.Acquire(_token.ModulePath);
        using var session = OpenSession(module);
        var attributes = module.Factories.ObjectAttributeFactory;
        var privateKeys = session.FindAllObjects([attributes.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)]);
        var publicKeys = session.FindAllObjects([attributes.Create(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY)]);
        var privateKey = Assert.Single(privateKeys);
        var publicKey = Assert.Single(publicKeys);
        var values = session.GetAttributeValue(privateKey,
            [CKA.CKA_LABEL, CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_SIGN, CKA.CKA_ALWAYS_SENSITIVE, CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_ID]);
        Assert.Equal("identity-issuer/x509-ca-A", values[0].GetValueAsString());
        Assert.True(values[1].GetValueAsBool(), "CKA_TOKEN");
        Assert.True(values[2].GetValueAsBool(), "CKA_PRIVATE");
        Assert.True(values[3].GetValueAsBool(), "CKA_SENSITIVE");
        Assert.False(values[4].GetValueAsBool(), "CKA_EXTRACTABLE");
        Assert.True(values[5].GetValueAsBool(), "CKA_SIGN");
        Assert.True(values[6].GetValueAsBool(), "CKA_ALWAYS_SENSITIVE");
        Assert.True(values[7].GetValueAsBool(), "CKA_NEVER_EXTRACTABLE");
        var publicValues = session.GetAttributeValue(publicKey, [CKA.CKA_LABEL, CKA.CKA_ID, CKA.CKA_TOKEN]);
        Assert.Equal("identity-issuer/x509-ca-A", publicValues[0].GetValueAsString());
        Assert.Equal(values[8].GetValueAsByteArray(), publicValues[1].GetValueAsByteArray());
        Assert.True(publicValues[2].GetValueAsBool(), "public CKA_TOKEN");

        // The private value cannot be read off the token.
        var secret = session.GetAttributeValue(privateKey, [keyType == KeyType.EcP256 ? CKA.CKA_VALUE : CKA.CKA_PRIVATE_EXPONENT]);
        Assert.True(secret[0].CannotBeRead);
        KeyAssert.PublicKeyIs(keyType, signer.PublicKey);
    }

    [Fact]
    public async Task ReplacedKey_LeavesOnlyTheNewPairOnTheToken()
    {
        await Manager.GenerateKeyAsync("jwt-A", KeyType.EcP256, Ct);
        var second = await Manager.GenerateKeyAsync("jwt-A", KeyType.EcP384, Ct);

        var (exitCode, output) = await _token.Pkcs11ToolAsync(["--list-objects"], Ct);

        Assert.Equal(0, exitCode);
        Assert.Equal(2, CountOccurrences(output, "label:      identity-issuer/jwt-A"));
        Assert.DoesNotContain("pending", output, StringComparison.Ordinal);
        Assert.Equal(KeyType.EcP384, second.KeyType);
    }

    [Fact]
    public async Task KeysWithAnotherPrefix_AreNotListedAndNotTouched()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        using var other = Pkcs11KeyManager.Open(Options(o => o.KeyLabelPrefix = "other-issuer/"), KeyManagerOptions.SectionName);

        Assert.Empty(await other.GetKeysAsync(Ct));
        Assert.False(await other.DeleteKeyAsync("ca", Ct));
        Assert.NotNull(await Manager.GetKeyAsync("ca", Ct));
    }

    [Fact]
    public async Task TokenChosenBySlotId_HoldsTheSameKeys()
    {
        await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        using var module = Pkcs11Module.Acquire(_token.ModulePath);
        var slotId = module.Library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label.TrimEnd() == _token.Label).SlotId;

        using var bySlot = Pkcs11KeyManager.Open(
            Options(o => { o.TokenLabel = null; o.SlotId = slotId.ToString(System.Globalization.CultureInfo.InvariantCulture); }), KeyManagerOptions.SectionName);

        Assert.Equal(["ca"], (await bySlot.GetKeysAsync(Ct)).Select(k => k.KeyId));
    }

    [Fact]
    public void Open_WithWrongPin_FailsNamingThePinSettingButNotThePin()
    {
        const string WrongPin = "not-the-pin-4711";

        var e = Assert.Throws<KeyManagerException>(() => Pkcs11KeyManager.Open(Options(o => o.Pin = WrongPin), KeyManagerOptions.SectionName));

        Assert.Contains("KeyManager:Pkcs11:Pin", e.Message, StringComparison.Ordinal);
        Assert.Contains("CKR_PIN_INCORRECT", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPin, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_token.Pin, e.ToString(), StringComparison.Ordinal);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public void Open_WithUnknownTokenLabel_FailsNamingTheSettingAndTheTokensPresent()
    {
        var e = Assert.Throws<KeyManagerException>(() => Pkcs11KeyManager.Open(Options(o => o.TokenLabel = "no-such-token"), "Ca:Upstream:KeyManager"));

        Assert.Contains("Ca:Upstream:KeyManager:Pkcs11:TokenLabel", e.Message, StringComparison.Ordinal);
        Assert.Contains("'no-such-token'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{_token.Label}'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_token.Pin, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WithMissingModule_FailsNamingTheModulePathSetting()
    {
        var missing = Path.Combine(_token.Directory, "no-such-module.so");

        var e = Assert.Throws<KeyManagerException>(() => Pkcs11KeyManager.Open(Options(o => o.ModulePath = missing), KeyManagerOptions.SectionName));

        Assert.Contains("KeyManager:Pkcs11:ModulePath", e.Message, StringComparison.Ordinal);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_WithAFileThatIsNoModule_FailsNamingTheModulePathSetting()
    {
        var notAModule = Path.Combine(_token.Directory, "not-a-module.so");
        await File.WriteAllTextAsync(notAModule, "plain text", Ct);

        var e = Assert.Throws<KeyManagerException>(() => Pkcs11KeyManager.Open(Options(o => o.ModulePath = notAModule), KeyManagerOptions.SectionName));

        Assert.Contains("KeyManager:Pkcs11:ModulePath", e.Message, StringComparison.Ordinal);
        Assert.Contains("cannot load PKCS#11 module", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PinFile_OwnerOnly_IsUsed()
    {
        var pinFile = Path.Combine(_token.Directory, "pin");
        await File.WriteAllTextAsync(pinFile, _token.Pin + "\n", Ct);
        File.SetUnixFileMode(pinFile, UnixFileMode.UserRead);

        using var manager = Pkcs11KeyManager.Open(Options(o => { o.Pin = null; o.PinFile = pinFile; }), KeyManagerOptions.SectionName);

        Assert.NotNull(await manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct));
    }

    [Fact]
    public async Task ParallelSigns_RunOnSeveralSessionsAtOnceAndAllVerify()
    {
        const int Sessions = 3;
        using var manager = Pkcs11KeyManager.Open(Options(o => o.Sessions = Sessions), KeyManagerOptions.SectionName);
        var signer = await manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);

        // Each operation waits for the others inside its session: this completes only when the pool
        // runs Sessions operations at the same time rather than one after another on one session.
        using var barrier = new Barrier(Sessions);
        var together = Enumerable.Range(0, Sessions).Select(_ => Task.Run(
            async () => await manager.Token.RunAsync("waiting for the others", session => barrier.SignalAndWait(TimeSpan.FromSeconds(30)), offload: false, Ct), Ct));
        Assert.All(await Task.WhenAll(together), Assert.True);

        var signatures = Enumerable.Range(0, 48).Select(i => Task.Run(
            async () =>
            {
                var digest = SHA256.HashData(BitConverter.GetBytes(i));
                return KeyAssert.Verifies(signer.PublicKey, KeyType.EcP256, digest, await signer.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct), HashAlgorithmName.SHA256);
            },
            Ct));
        Assert.All(await Task.WhenAll(signatures), Assert.True);
    }

    [Fact]
    public async Task TokenDeletedWhileRunning_SigningAndLookupsFailTransientlyNamingTheToken()
    {
        var signer = await Manager.GenerateKeyAsync("ca", KeyType.EcP256, Ct);
        var digest = SHA256.HashData("before"u8);
        Assert.NotNull(await signer.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct));

        await _token.DeleteTokenAsync(Ct);

        var sign = await Assert.ThrowsAsync<KeyManagerException>(async () => await signer.SignDigestAsync(digest, HashAlgorithmName.SHA256, Ct));
        Assert.True(sign.IsTransient, sign.Message);
        Assert.Contains(_token.Label, sign.Message, StringComparison.Ordinal);
        var lookup = await Assert.ThrowsAsync<KeyManagerException>(() => Manager.GetKeyAsync("ca", Ct));
        Assert.True(lookup.IsTransient, lookup.Message);
        Assert.Contains(_token.Label, lookup.Message, StringComparison.Ordinal);
    }

    private ISession OpenSession(Pkcs11Module module)
    {
        var slot = module.Library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label.TrimEnd() == _token.Label);
        var session = slot.OpenSession(SessionType.ReadOnly);
        try
        {
            session.Login(CKU.CKU_USER, _token.Pin);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // The manager's sessions logged this process in already.
        }

        return session;
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
