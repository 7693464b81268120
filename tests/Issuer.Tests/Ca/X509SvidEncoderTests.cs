using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;

namespace IdentityIssuer.Issuer.Tests.Ca;

/// <summary>The hand-written encoder must produce the very bytes <see cref="CertificateRequest.Create(X500DistinguishedName, X509SignatureGenerator, DateTimeOffset, DateTimeOffset, byte[])"/> does.</summary>
public sealed class X509SvidEncoderTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 4, 3, 2, 1, 987, TimeSpan.Zero);

    public static TheoryData<string> SubjectKeys => ["ec-p256", "ec-p384", "rsa-2048"];

    public static TheoryData<string> Serials => ["01020304", "7f00000000000000000000000000000a", "80ff", "0000007f", "00000080", "00"];

    [Theory]
    [MemberData(nameof(SubjectKeys))]
    public void Encode_ForEachSubjectKeyType_MatchesCertificateRequestCreate(string keyType)
    {
        using var subjectKey = CreateKey(keyType);

        AssertSameAsFramework(PublicKeyOf(subjectKey), Convert.FromHexString("0102030405060708090a0b0c0d0e0f10"), Now.AddSeconds(-10), Now.AddHours(1));
    }

    [Theory]
    [MemberData(nameof(Serials))]
    public void Encode_ForSerialsNeedingNormalisation_MatchesCertificateRequestCreate(string serialHex)
    {
        using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        AssertSameAsFramework(PublicKeyOf(subjectKey), Convert.FromHexString(serialHex), Now, Now.AddMinutes(5));
    }

    [Fact]
    public void Encode_WhenValidityCrosses2050_UsesGeneralizedTimeLikeTheFramework()
    {
        using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        AssertSameAsFramework(PublicKeyOf(subjectKey), [0x42], new DateTimeOffset(2049, 12, 31, 23, 59, 59, 500, TimeSpan.FromHours(2)), new DateTimeOffset(2051, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Encode_WhenNotAfterPrecedesNotBefore_Throws()
    {
        using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Throws<ArgumentException>(() => X509SvidEncoder.Encode(
            new X500DistinguishedName("CN=CA"), new X500DistinguishedName("O=SPIRE"), PublicKeyOf(subjectKey), [], [1], Now, Now.AddSeconds(-1),
            X509SignatureGenerator.CreateForECDsa(caKey), HashAlgorithmName.SHA256));
    }

    private static void AssertSameAsFramework(PublicKey subjectKey, byte[] serial, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var generator = new DeterministicGenerator(X509SignatureGenerator.CreateForECDsa(caKey));
        var issuer = new X500DistinguishedName("CN=Test CA, O=Example");
        var subject = new X500DistinguishedName("C=US, O=SPIRE, CN=web.example.org");
        X509Extension[] extensions =
        [
            new X509BasicConstraintsExtension(false, false, 0, true),
            new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true),
            new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false),
            new X509SubjectKeyIdentifierExtension(subjectKey, false),
            new X509Extension("2.5.29.17", [0x30, 0x03, 0x82, 0x01, 0x61], false),
        ];

        var request = new CertificateRequest(subject, subjectKey, HashAlgorithmName.SHA256);
        foreach (var extension in extensions)
        {
            request.CertificateExtensions.Add(extension);
        }

        using var expected = request.Create(issuer, generator, notBefore, notAfter, serial);
        var actual = X509SvidEncoder.Encode(issuer, subject, subjectKey, extensions, serial, notBefore, notAfter, generator, HashAlgorithmName.SHA256);

        Assert.Equal(Convert.ToHexString(expected.RawData), Convert.ToHexString(actual));
    }

    private static AsymmetricAlgorithm CreateKey(string keyType) => keyType switch
    {
        "ec-p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        "ec-p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        _ => RSA.Create(2048),
    };

    private static PublicKey PublicKeyOf(AsymmetricAlgorithm key) =>
        PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);

    /// <summary>A "signature" that is the SHA-256 of the data, so two encodings can be compared byte for byte.</summary>
    private sealed class DeterministicGenerator(X509SignatureGenerator inner) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => inner.GetSignatureAlgorithmIdentifier(hashAlgorithm);

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => SHA256.HashData(data);

        protected override PublicKey BuildPublicKey() => inner.PublicKey;
    }
}
