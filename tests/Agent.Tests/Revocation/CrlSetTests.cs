using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Revocation;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Agent.Tests.Revocation;

public sealed class CrlSetTests : IDisposable
{
    private readonly X509Certificate2 _ca = TestCertificates.CreateRootCa();
    private readonly X509Certificate2 _otherCa = TestCertificates.CreateRootCa();
    private readonly X509Certificate2 _revokedLeaf;
    private readonly X509Certificate2 _goodLeaf;

    public CrlSetTests()
    {
        _revokedLeaf = TestCertificates.CreateLeaf(_ca, "spiffe://example.org/revoked");
        _goodLeaf = TestCertificates.CreateLeaf(_ca, "spiffe://example.org/good");
    }

    [Fact]
    public void Build_CrlOfABundleCa_RevokesTheListedSerialOnly()
    {
        var crl = Crl(_ca, _revokedLeaf);

        var set = CrlSet.Build([crl], [_otherCa, _ca]);

        Assert.Empty(set.Rejected);
        Assert.Equal(crl, Assert.Single(set.Ders));
        Assert.True(set.IsRevoked(KeyIdentifiers.SignedBy(_revokedLeaf), KeyIdentifiers.Serial(_revokedLeaf)));
        Assert.False(set.IsRevoked(KeyIdentifiers.SignedBy(_goodLeaf), KeyIdentifiers.Serial(_goodLeaf)));
    }

    [Fact]
    public void Build_SameSerialUnderAnotherCa_IsNotRevoked()
    {
        var set = CrlSet.Build([Crl(_ca, _revokedLeaf)], [_ca, _otherCa]);

        Assert.False(set.IsRevoked(KeyIdentifiers.AuthorityId(_otherCa), KeyIdentifiers.Serial(_revokedLeaf)));
    }

    [Fact]
    public void Build_CrlWithTheCasNameButAnotherKeysSignature_IsIgnoredAndRevokesNothing()
    {
        // A forgery: the real CA's issuer name and key identifier, signed with some other key.
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(_revokedLeaf);
        var aki = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, includeKeyIdentifier: true, includeIssuerAndSerial: false);
        var forged = builder.Build(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(forger), BigInteger.One, DateTimeOffset.UtcNow.AddHours(1), HashAlgorithmName.SHA256, aki);

        var set = CrlSet.Build([forged], [_ca]);

        Assert.Empty(set.Ders);
        Assert.Contains("does not verify", Assert.Single(set.Rejected), StringComparison.Ordinal);
        Assert.False(set.IsRevoked(KeyIdentifiers.SignedBy(_revokedLeaf), KeyIdentifiers.Serial(_revokedLeaf)));
    }

    [Fact]
    public void Build_CrlOfACaNotInTheBundle_IsIgnored()
    {
        var set = CrlSet.Build([Crl(_otherCa, _revokedLeaf)], [_ca]);

        Assert.Empty(set.Ders);
        Assert.Contains("names no CA", Assert.Single(set.Rejected), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BytesThatAreNoCrl_AreIgnoredWithoutThrowing()
    {
        var good = Crl(_ca, _revokedLeaf);

        var set = CrlSet.Build([[0x30, 0x03, 0x02, 0x01], _ca.RawData, good], [_ca]);

        Assert.Equal(2, set.Rejected.Count);
        Assert.Equal(good, Assert.Single(set.Ders));
        Assert.True(set.IsRevoked(KeyIdentifiers.SignedBy(_revokedLeaf), KeyIdentifiers.Serial(_revokedLeaf)));
    }

    [Fact]
    public void Build_RsaCaAndEmptyCrl_VerifiesAndRevokesNothing()
    {
        using var rsaCa = TestCertificates.CreateRootCa(configure: s => s.KeyType = TestKeyType.Rsa2048);
        using var leaf = TestCertificates.CreateLeaf(rsaCa, "spiffe://example.org/rsa");
        var empty = new CertificateRevocationListBuilder().Build(rsaCa, BigInteger.One, DateTimeOffset.UtcNow.AddHours(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var listing = Crl(rsaCa, leaf);

        Assert.False(CrlSet.Build([empty], [rsaCa]).IsRevoked(KeyIdentifiers.SignedBy(leaf), KeyIdentifiers.Serial(leaf)));
        Assert.True(CrlSet.Build([listing], [rsaCa]).IsRevoked(KeyIdentifiers.SignedBy(leaf), KeyIdentifiers.Serial(leaf)));
    }

    [Fact]
    public void SameAs_ComparesTheVerifiedCrlsByteForByte()
    {
        var crl = Crl(_ca, _revokedLeaf);

        Assert.True(CrlSet.Build([crl], [_ca]).SameAs(CrlSet.Build([[.. crl]], [_ca])));
        Assert.False(CrlSet.Build([crl], [_ca]).SameAs(CrlSet.Empty));
        Assert.True(CrlSet.Build([crl], []).SameAs(CrlSet.Empty));
    }

    [Fact]
    public void SignedBy_IsTheSigningCasAuthorityId()
    {
        Assert.Equal(KeyIdentifiers.AuthorityId(_ca), KeyIdentifiers.SignedBy(_goodLeaf));
        Assert.Matches("^[0-9a-f]+$", KeyIdentifiers.SignedBy(_goodLeaf)!);
        Assert.Equal(_goodLeaf.SerialNumber.ToLowerInvariant(), KeyIdentifiers.Serial(_goodLeaf));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
        _revokedLeaf.Dispose();
        _goodLeaf.Dispose();
    }

    /// <summary>A CRL signed by <paramref name="ca"/> (with its authority key identifier) listing <paramref name="revoked"/>.</summary>
    internal static byte[] Crl(X509Certificate2 ca, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate, DateTimeOffset.UtcNow, X509RevocationReason.KeyCompromise);
        }

        return ca.GetRSAPrivateKey() is { } rsa
            ? Dispose(rsa, builder.Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddHours(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            : builder.Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddHours(1), HashAlgorithmName.SHA256);
    }

    private static byte[] Dispose(IDisposable key, byte[] result)
    {
        key.Dispose();
        return result;
    }
}
