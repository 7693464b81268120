using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Tests.Common.Pkcs11;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>The shared suite on a real SoftHSM2 token, a new token for every test.</summary>
[Collection(SoftHsmCollection.Name)]
public sealed partial class Pkcs11KeyManagerTests : PersistentKeyManagerSuite
{
    private readonly SoftHsmToken _token;

    public Pkcs11KeyManagerTests()
    {
        _token = SoftHsmToken.Create();
        _token.UseInThisProcess();
    }

    private Pkcs11KeyManagerOptions Options(Action<Pkcs11KeyManagerOptions>? change = null)
    {
        var options = new Pkcs11KeyManagerOptions { ModulePath = _token.ModulePath, TokenLabel = _token.Label, Pin = _token.Pin };
        change?.Invoke(options);
        return options;
    }

    protected override IKeyManager CreateKeyManager() => Pkcs11KeyManager.Open(Options(), KeyManagerOptions.SectionName);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _token.Dispose();
        }
    }

    [Fact]
    public void Name_IsPkcs11() => Assert.Equal("pkcs11", Manager.Name);
}
