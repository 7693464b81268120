using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Tests.Common.Pkcs11;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>Start-up checks of the <c>KeyManager:Pkcs11</c> settings: every problem at once, each naming its setting, never the PIN.</summary>
public sealed class Pkcs11KeyManagerOptionsTests : IDisposable
{
    private const string SecretPin = "secret-pin-8812";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pkcs11-options-tests-" + Guid.NewGuid().ToString("N"));

    public Pkcs11KeyManagerOptionsTests() => Directory.CreateDirectory(_directory);

    private static string Module => SoftHsmToken.FindModule() ?? typeof(object).Assembly.Location;

    [Fact]
    public void Validate_CompleteSettings_ReportsNothing()
    {
        Assert.Empty(Errors(new Pkcs11KeyManagerOptions { ModulePath = Module, TokenLabel = "ca", Pin = SecretPin }));
    }

    [Fact]
    public void Validate_NothingSet_ReportsModuleTokenAndPinAtOnce()
    {
        var errors = Errors(new Pkcs11KeyManagerOptions());

        Assert.Contains(errors, e => e.Contains("KeyManager:Pkcs11:ModulePath", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("KeyManager:Pkcs11:TokenLabel or KeyManager:Pkcs11:SlotId", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("KeyManager:Pkcs11:Pin", StringComparison.Ordinal) && e.Contains("IDENTITY_ISSUER_KeyManager__Pkcs11__Pin", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UnderAnotherSection_NamesSettingsUnderThatSection()
    {
        var errors = Errors(new Pkcs11KeyManagerOptions(), "Ca:Upstream:KeyManager");

        Assert.All(errors, e => Assert.Contains("Ca:Upstream:KeyManager:Pkcs11:", e, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("IDENTITY_ISSUER_Ca__Upstream__KeyManager__Pkcs11__Pin", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BothLabelAndSlotAndBothPinAndPinFile_RefusesEachPairWithoutEchoingThePin()
    {
        var errors = Errors(new Pkcs11KeyManagerOptions { ModulePath = Module, TokenLabel = "ca", SlotId = "1", Pin = SecretPin, PinFile = "/etc/pin" });

        Assert.Contains(errors, e => e.Contains("exactly one", StringComparison.Ordinal) && e.Contains("SlotId", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("exactly one", StringComparison.Ordinal) && e.Contains("PinFile", StringComparison.Ordinal));
        Assert.All(errors, e => Assert.DoesNotContain(SecretPin, e, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    public void Validate_SlotIdNotANumber_NamesSlotId(string slotId)
    {
        var error = Assert.Single(Errors(new Pkcs11KeyManagerOptions { ModulePath = Module, SlotId = slotId, Pin = SecretPin }));

        Assert.Contains("KeyManager:Pkcs11:SlotId must be a non-negative decimal number", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingModuleFile_NamesModulePathAndThePath()
    {
        var missing = Path.Combine(_directory, "libnothing.so");

        var error = Assert.Single(Errors(new Pkcs11KeyManagerOptions { ModulePath = missing, TokenLabel = "ca", Pin = SecretPin }));

        Assert.Contains("KeyManager:Pkcs11:ModulePath", error, StringComparison.Ordinal);
        Assert.Contains(missing, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite, true)]
    [InlineData(UnixFileMode.UserRead, true)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, false)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherRead, false)]
    [InlineData(UnixFileMode.UserWrite, false)]
    public void Validate_PinFile_MustBeReadableByItsOwnerOnly(UnixFileMode mode, bool accepted)
    {
        var pinFile = Path.Combine(_directory, "pin");
        File.WriteAllText(pinFile, SecretPin);
        File.SetUnixFileMode(pinFile, mode);

        var errors = Errors(new Pkcs11KeyManagerOptions { ModulePath = Module, TokenLabel = "ca", PinFile = pinFile });

        if (accepted)
        {
            Assert.Empty(errors);
        }
        else
        {
            var error = Assert.Single(errors);
            Assert.Contains("KeyManager:Pkcs11:PinFile", error, StringComparison.Ordinal);
            Assert.Contains("0600 or 0400", error, StringComparison.Ordinal);
            Assert.DoesNotContain(SecretPin, error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Validate_SessionsOutOfRange_NamesSessions(int sessions)
    {
        var error = Assert.Single(Errors(new Pkcs11KeyManagerOptions { ModulePath = Module, TokenLabel = "ca", Pin = SecretPin, Sessions = sessions }));

        Assert.Contains("KeyManager:Pkcs11:Sessions must be between 1 and 64", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad~pending~prefix/")]
    public void Validate_UnusableKeyLabelPrefix_NamesKeyLabelPrefix(string prefix)
    {
        var error = Assert.Single(Errors(new Pkcs11KeyManagerOptions { ModulePath = Module, TokenLabel = "ca", Pin = SecretPin, KeyLabelPrefix = prefix }));

        Assert.Contains("KeyManager:Pkcs11:KeyLabelPrefix", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sessions_Unset_DefaultsToTwicePerProcessorBetween4And16()
    {
        Assert.Equal(Math.Clamp(Environment.ProcessorCount * 2, 4, 16), new Pkcs11KeyManagerOptions().EffectiveSessions);
    }

    [Fact]
    public void KeyManagerValidator_WithTypePkcs11_RunsThePkcs11Checks()
    {
        var result = new KeyManagerOptionsValidator().Validate(null, new KeyManagerOptions { Type = "pkcs11" });

        Assert.True(result.Failed);
        Assert.Contains("KeyManager:Pkcs11:ModulePath", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ca")]
    [InlineData("x509-ca-A-1795000000-0a1b2c3d")]
    [InlineData("...")]
    public void Labels_MapKeyIdsToLabelsAndBack(string keyId)
    {
        var label = Pkcs11KeyLabels.Label("identity-issuer/", keyId);

        Assert.Equal("identity-issuer/" + keyId, label);
        Assert.Equal(keyId, Pkcs11KeyLabels.KeyIdOf("identity-issuer/", label));
        Assert.Null(Pkcs11KeyLabels.KeyIdOf("identity-issuer/", Pkcs11KeyLabels.PendingLabel("identity-issuer/", keyId)));
        Assert.Null(Pkcs11KeyLabels.KeyIdOf("other/", label));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<string> Errors(Pkcs11KeyManagerOptions options, string sectionPath = "KeyManager")
    {
        var errors = new List<string>();
        Pkcs11KeyManagerOptions.Validate(options, sectionPath, errors);
        return errors;
    }
}
