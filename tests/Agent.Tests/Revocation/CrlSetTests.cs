using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Revocation;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Agent.Tests.Revocation;

public sealed class CrlSetTests : IDisposable
{
    private readonly TestCas _cas = new();
    private readonly X509Certificate2 _revokedLeaf;
    private readonly X509Certificate2 _goodLeaf;

    public CrlSetTests()
    {
        _revokedLeaf = _cas.Leaf(_cas.First, "/revoked");
        _goodLeaf = _cas.Leaf(_cas.First, "/good");
    }

    [Fact]
    public void Build_CrlOfABundleCa_RevokesTheListedSerialOnly()
    {
        var crl = TestCas.Crl(_cas.First, _revokedLeaf);

        var set = CrlSet.Build([crl], [_cas.Second, _cas.First]);

        Assert.Empty(set.Rejected);
        Assert.Equal(crl, Assert.Single(set.Ders));
        Assert.True(set.IsRevoked(KeyIdentifiers.SignedBy(_revokedLeaf), KeyIdentifiers.Serial(_revokedLeaf)));
        Assert.False(set.IsRevoked(KeyIdentifiers.SignedBy(_goodLeaf), KeyIdentifiers.Serial(_goodLeaf)));
    }

    [Fact]
    public void Build_SameSerialUnderAnotherCa_IsNotRevoked()
    {
        var set = CrlSet.Build([TestCas.Crl(_cas.First, _revokedLeaf)], [_cas.First, _cas.Second]);

        Assert.False(set.IsRevoked(KeyIdentifiers.AuthorityId(_cas.Second), KeyIdentifiers.Serial(_revokedLeaf)));
    }

    [Fact]
    public void Build_CrlWithTheCasNameButAnotherKeysSignature_IsIgnoredAndRevokesNothing()
    {
        // A forgery: the real CA's issuer name and key identifier, signed with some other key.
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(_revokedLeaf);
        var aki = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_cas.First, includeKeyIdentifier: true, includeIssuerAndSerial: false);
        var forged = builder.Build(_cas.First.SubjectName, X509SignatureGenerator.CreateForECDsa(forger), BigInteger.One, DateTimeOffset.UtcNow.AddHours(1), HashAlgorithmName.SHA256, aki);

        var set = CrlSet.Build([forged], [_cas.First]);

        Assert.Empty(set.Ders);
        Assert.Contains("does not verify", Assert.Single(set.Rejected), StringComparison.Ordinal);
        Assert.False(set.IsRevoked(KeyIdentifiers.SignedBy(_revokedLeaf), KeyIdentifiers.Serial(_revokedLeaf)));
    }

    [Fact]
    public void Build_CrlOfACaNotInTheBundle_IsIgnored()
    {
        var set = CrlSet.Build([TestCas.Crl(_cas.Second, _revokedLeaf)], [_cas.First]);

        Assert.Empty(set.Ders);
        Assert.Contains("names no CA", Assert.Single(set.Rejected), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BytesThatAreNoCrl_AreIgnoredWithoutThrowing()
    {
        var good = TestCas.Crl(_cas.First, _revokedLeaf);

        var set = CrlSet.Build([[0x30, 0x03, 0x02, 0x01], _cas.First.RawData, good], [_cas.First]);

        Assert.Equal(2, set.Rejected.Count);
        Assert.Equal(good, Assert.Single(set.Ders));
        Assert.True(set.IsRevoked(KeyIdentifiers.SignedBy(_revokedLeaf), KeyIdentifiers.Serial(_revokedLeaf)));
    }

    [Fact]
    public void Build_RsaCa_EmptyCrlRevokesNothing_AndAListingOneRevokes()
    {
        var rsaCa = _cas.Ca(s => s.KeyType = TestKeyType.Rsa2048);
        var leaf = _cas.Leaf(rsaCa, "/rsa");

        Assert.False(CrlSet.Build([TestCas.Crl(rsaCa)], [rsaCa]).IsRevoked(KeyIdentifiers.SignedBy(leaf), KeyIdentifiers.Serial(leaf)));
        Assert.True(CrlSet.Build([TestCas.Crl(rsaCa, leaf)], [rsaCa]).IsRevoked(KeyIdentifiers.SignedBy(leaf), KeyIdentifiers.Serial(leaf)));
    }

    [Fact]
    public void SameAs_ComparesTheVerifiedCrlsByteForByte()
    {
        var crl = TestCas.Crl(_cas.First, _revokedLeaf);

        Assert.True(CrlSet.Build([crl], [_cas.First]).SameAs(CrlSet.Build([[.. crl]], [_cas.First])));
        Assert.False(CrlSet.Build([crl], [_cas.First]).SameAs(CrlSet.Empty));
        Assert.True(CrlSet.Build([crl], []).SameAs(CrlSet.Empty));
    }

    [Fact]
    public void SignedBy_IsTheSigningCasAuthorityId()
    {
        Assert.Equal(KeyIdentifiers.AuthorityId(_cas.First), KeyIdentifiers.SignedBy(_goodLeaf));
        Assert.Matches("^[0-9a-f]+$", KeyIdentifiers.SignedBy(_goodLeaf)!);
        Assert.Equal(_goodLeaf.SerialNumber.ToLowerInvariant(), KeyIdentifiers.Serial(_goodLeaf));
    }

    public void Dispose() => _cas.Dispose();
}
