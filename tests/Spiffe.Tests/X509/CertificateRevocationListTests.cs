using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Spiffe.Tests.X509;

/// <summary>Reading a CRL the way the agent and the gateway do: match it to its CA, check its signature, then trust its serials.</summary>
public sealed class CertificateRevocationListTests
{
    private static readonly X509Certificate2 Ca = TestCertificates.CreateRootCa();
    private static readonly X509Certificate2 OtherCa = TestCertificates.CreateRootCa();

    private static byte[] Crl(X509Certificate2 ca, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate);
        }

        return builder.Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddHours(1), HashAlgorithmName.SHA256);
    }

    [Fact]
    public void ACrlOfTheCa_NamesItAndVerifiesWithItsKey_AndListsExactlyTheRevokedSerials()
    {
        var revoked = TestCertificates.CreateLeaf(Ca, "spiffe://example.org/revoked");
        var kept = TestCertificates.CreateLeaf(Ca, "spiffe://example.org/kept");

        var crl = CertificateRevocationList.Parse(Crl(Ca, revoked));

        Assert.True(crl.NamesIssuer(Ca));
        Assert.True(crl.IsSignedBy(Ca));
        Assert.True(crl.IsRevoked(revoked.SerialNumberBytes.Span));
        Assert.False(crl.IsRevoked(kept.SerialNumberBytes.Span));
        Assert.Equal([CertificateRevocationList.SerialKey(revoked)], crl.RevokedSerials);
    }

    [Fact]
    public void ACrlSignedByAnotherKey_DoesNotVerify()
    {
        var crl = CertificateRevocationList.Parse(Crl(OtherCa));

        Assert.False(crl.NamesIssuer(Ca));
        Assert.False(crl.IsSignedBy(Ca));
        Assert.True(crl.IsSignedBy(OtherCa));
    }

    [Fact]
    public void ATamperedCrl_DoesNotVerify()
    {
        var der = Crl(Ca, TestCertificates.CreateLeaf(Ca, "spiffe://example.org/revoked"));
        der[^1] ^= 0x01;

        Assert.False(CertificateRevocationList.Parse(der).IsSignedBy(Ca));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 })]
    [InlineData(new byte[] { 0x04, 0x00 })]
    public void BytesThatAreNoCrl_AreRefusedWithACryptographicException(byte[] der)
    {
        Assert.Throws<CryptographicException>(() => CertificateRevocationList.Parse(der));
    }

    [Fact]
    public void ThisAndNextUpdate_AreRead_AndDecideWhetherTheCrlIsCurrent()
    {
        var thisUpdate = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var crl = CertificateRevocationList.Parse(new CertificateRevocationListBuilder().Build(Ca, BigInteger.One, thisUpdate.AddHours(1), HashAlgorithmName.SHA256, thisUpdate: thisUpdate));
        var grace = TimeSpan.FromMinutes(5);
        var skew = TimeSpan.FromMinutes(1);

        Assert.Equal((thisUpdate, thisUpdate.AddHours(1)), (crl.ThisUpdate, crl.NextUpdate!.Value));
        Assert.Null(crl.FreshnessError(thisUpdate.AddMinutes(30), grace, skew));
        Assert.Null(crl.FreshnessError(thisUpdate.AddMinutes(64), grace, skew));
        Assert.Contains("past its nextUpdate", crl.FreshnessError(thisUpdate.AddMinutes(66), grace, skew), StringComparison.Ordinal);
        Assert.Null(crl.FreshnessError(thisUpdate.AddSeconds(-30), grace, skew));
        Assert.Contains("in the future", crl.FreshnessError(thisUpdate.AddMinutes(-2), grace, skew), StringComparison.Ordinal);
        Assert.Equal(thisUpdate.AddMinutes(65), crl.FreshnessChangesAt(thisUpdate, grace, skew));
        Assert.Equal(thisUpdate.AddMinutes(-1), crl.FreshnessChangesAt(thisUpdate.AddHours(-1), grace, skew));
    }
}
