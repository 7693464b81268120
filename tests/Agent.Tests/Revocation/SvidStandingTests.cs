using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Revocation;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Agent.Tests.Revocation;

public sealed class SvidStandingTests : IDisposable
{
    private readonly X509Certificate2 _oldCa = TestCertificates.CreateRootCa();
    private readonly X509Certificate2 _newCa = TestCertificates.CreateRootCa();
    private readonly X509Certificate2 _fromOld;
    private readonly X509Certificate2 _fromNew;

    public SvidStandingTests()
    {
        _fromOld = TestCertificates.CreateLeaf(_oldCa, "spiffe://example.org/w");
        _fromNew = TestCertificates.CreateLeaf(_newCa, "spiffe://example.org/w");
    }

    [Fact]
    public void Of_SvidOfATaintedCa_IsTainted_AndOneOfAnotherCaIsTrusted()
    {
        var tainted = new HashSet<string>(StringComparer.Ordinal) { KeyIdentifiers.AuthorityId(_oldCa)! };

        Assert.Equal(SvidStanding.Tainted, Standing(_fromOld, tainted, CrlSet.Empty));
        Assert.Equal(SvidStanding.Trusted, Standing(_fromNew, tainted, CrlSet.Empty));
    }

    [Fact]
    public void Of_RevokedSvid_IsRevoked_EvenWhenItsCaIsAlsoTainted()
    {
        var crls = CrlSet.Build([CrlSetTests.Crl(_oldCa, _fromOld)], [_oldCa, _newCa]);
        var tainted = new HashSet<string>(StringComparer.Ordinal) { KeyIdentifiers.AuthorityId(_oldCa)! };

        Assert.Equal(SvidStanding.Revoked, Standing(_fromOld, tainted, crls));
        Assert.Equal(SvidStanding.Revoked, Standing(_fromOld, new HashSet<string>(), crls));
        Assert.Equal(SvidStanding.Trusted, Standing(_fromNew, new HashSet<string>(), crls));
    }

    [Fact]
    public void Of_LeafWithoutAuthorityKeyIdentifier_IsNeverMatched()
    {
        using var bare = TestCertificates.CreateLeaf(_oldCa, "spiffe://example.org/bare", s => s.AddKeyIdentifiers = false);
        var crls = CrlSet.Build([CrlSetTests.Crl(_oldCa, bare)], [_oldCa]);

        Assert.Null(KeyIdentifiers.SignedBy(bare));
        Assert.Equal(SvidStanding.Trusted, SvidStandings.Of(null, KeyIdentifiers.Serial(bare), new HashSet<string> { KeyIdentifiers.AuthorityId(_oldCa)! }, crls));
    }

    public void Dispose()
    {
        _oldCa.Dispose();
        _newCa.Dispose();
        _fromOld.Dispose();
        _fromNew.Dispose();
    }

    private static SvidStanding Standing(X509Certificate2 leaf, IReadOnlySet<string> tainted, CrlSet crls) =>
        SvidStandings.Of(KeyIdentifiers.SignedBy(leaf), KeyIdentifiers.Serial(leaf), tainted, crls);
}
