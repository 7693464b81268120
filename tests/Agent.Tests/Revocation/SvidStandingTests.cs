using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Revocation;

namespace IdentityIssuer.Agent.Tests.Revocation;

public sealed class SvidStandingTests : IDisposable
{
    private readonly TestCas _cas = new();

    private X509Certificate2 OldCa => _cas.First;

    private X509Certificate2 NewCa => _cas.Second;

    private static HashSet<string> NoneTainted => new(StringComparer.Ordinal);

    private HashSet<string> OldCaTainted => new(StringComparer.Ordinal) { KeyIdentifiers.AuthorityId(OldCa)! };

    [Fact]
    public void Of_SvidOfATaintedCa_IsTainted_AndOneOfAnotherCaIsTrusted()
    {
        Assert.Equal(SvidStanding.Tainted, Standing(_cas.Leaf(OldCa, "/w"), OldCaTainted, CrlSet.Empty));
        Assert.Equal(SvidStanding.Trusted, Standing(_cas.Leaf(NewCa, "/w"), OldCaTainted, CrlSet.Empty));
    }

    [Fact]
    public void Of_RevokedSvid_IsRevoked_EvenWhenItsCaIsAlsoTainted()
    {
        var fromOld = _cas.Leaf(OldCa, "/w");
        var crls = CrlSet.Build([TestCas.Crl(OldCa, fromOld)], [OldCa, NewCa]);

        Assert.Equal(SvidStanding.Revoked, Standing(fromOld, OldCaTainted, crls));
        Assert.Equal(SvidStanding.Revoked, Standing(fromOld, NoneTainted, crls));
        Assert.Equal(SvidStanding.Trusted, Standing(_cas.Leaf(NewCa, "/w"), NoneTainted, crls));
    }

    [Fact]
    public void Of_LeafWithoutAuthorityKeyIdentifier_IsNeverMatched()
    {
        var bare = _cas.Leaf(OldCa, "/bare", s => s.AddKeyIdentifiers = false);
        var crls = CrlSet.Build([TestCas.Crl(OldCa, bare)], [OldCa]);

        Assert.Null(KeyIdentifiers.SignedBy(bare));
        Assert.Equal(SvidStanding.Trusted, Standing(bare, OldCaTainted, crls));
    }

    public void Dispose() => _cas.Dispose();

    private static SvidStanding Standing(X509Certificate2 leaf, IReadOnlySet<string> tainted, CrlSet crls) =>
        SvidStandings.Of(KeyIdentifiers.SignedBy(leaf), KeyIdentifiers.Serial(leaf), tainted, crls);
}
