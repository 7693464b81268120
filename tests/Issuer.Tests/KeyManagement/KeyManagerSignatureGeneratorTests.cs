using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

public sealed class KeyManagerSignatureGeneratorTests : IDisposable
{
    private readonly MemoryKeyManager _keys = new();

    [Theory]
    [InlineData(KeyType.EcP256, "SHA256", "300A06082A8648CE3D040302")]
    [InlineData(KeyType.EcP384, "SHA384", "300A06082A8648CE3D040303")]
    [InlineData(KeyType.EcP256, "SHA512", "300A06082A8648CE3D040304")]
    [InlineData(KeyType.Rsa2048, "SHA256", "300D06092A864886F70D01010B0500")]
    [InlineData(KeyType.Rsa2048, "SHA384", "300D06092A864886F70D01010C0500")]
    [InlineData(KeyType.Rsa2048, "SHA512", "300D06092A864886F70D01010D0500")]
    public async Task GetSignatureAlgorithmIdentifier_ReturnsTheX509Encoding(KeyType keyType, string hash, string expectedHex)
    {
        var generator = new KeyManagerSignatureGenerator(await _keys.GenerateKeyAsync("k", keyType, CancellationToken.None));

        var identifier = generator.GetSignatureAlgorithmIdentifier(new HashAlgorithmName(hash));

        Assert.Equal(expectedHex, Convert.ToHexString(identifier));
    }

    [Theory]
    [InlineData("MD5")]
    [InlineData("SHA1")]
    [InlineData("SHA3_256")]
    public async Task UnsupportedHash_ThrowsArgumentExceptionNamingIt(string hash)
    {
        var generator = new KeyManagerSignatureGenerator(await _keys.GenerateKeyAsync("k", KeyType.EcP256, CancellationToken.None));

        var identifier = Assert.Throws<ArgumentException>(() => generator.GetSignatureAlgorithmIdentifier(new HashAlgorithmName(hash)));
        var sign = Assert.Throws<ArgumentException>(() => generator.SignData([1, 2, 3], new HashAlgorithmName(hash)));

        Assert.Contains(hash, identifier.Message, StringComparison.Ordinal);
        Assert.Contains(hash, sign.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateRequest_WithUnsupportedHash_FailsClearly()
    {
        var signer = await _keys.GenerateKeyAsync("k", KeyType.EcP256, CancellationToken.None);
        var request = new CertificateRequest(new X500DistinguishedName("CN=x"), signer.PublicKey, HashAlgorithmName.SHA1);
        var now = DateTimeOffset.UtcNow;

        Assert.Throws<ArgumentException>(() => request.Create(request.SubjectName, new KeyManagerSignatureGenerator(signer), now, now.AddHours(1), [1]));
    }

    [Theory]
    [InlineData(KeyType.EcP256)]
    [InlineData(KeyType.EcP384)]
    public async Task SignData_WithEcdsaKey_ReturnsDerSignaturesThatVerify(KeyType keyType)
    {
        var signer = await _keys.GenerateKeyAsync("k", keyType, CancellationToken.None);
        var generator = new KeyManagerSignatureGenerator(signer);
        using var publicKey = signer.PublicKey.GetECDsaPublicKey()!;

        // Enough signatures that some r or s start with a zero byte or a high bit.
        for (var i = 0; i < 300; i++)
        {
            var data = BitConverter.GetBytes(i);
            var signature = generator.SignData(data, HashAlgorithmName.SHA256);

            Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }
    }

    [Fact]
    public async Task SignData_WithRsaKey_ReturnsPkcs1Signature()
    {
        var signer = await _keys.GenerateKeyAsync("k", KeyType.Rsa2048, CancellationToken.None);
        using var publicKey = signer.PublicKey.GetRSAPublicKey()!;

        byte[] data = [1, 2, 3];
        var signature = new KeyManagerSignatureGenerator(signer).SignData(data, HashAlgorithmName.SHA384);

        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1));
    }

    [Theory]
    [InlineData("00000001", "80000000", "02010102050080000000")]
    [InlineData("00000000", "7F000000", "020100" + "02047F000000")]
    [InlineData("FF000000", "00800000", "020500FF000000" + "020400800000")]
    public void P1363ToDer_WritesMinimalPositiveIntegers(string r, string s, string expectedIntegersHex)
    {
        var der = KeyManagerSignatureGenerator.P1363ToDer(Convert.FromHexString(r + s), "k");

        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        Assert.Equal(new BigInteger(Convert.FromHexString(r), isUnsigned: true, isBigEndian: true), sequence.ReadInteger());
        Assert.Equal(new BigInteger(Convert.FromHexString(s), isUnsigned: true, isBigEndian: true), sequence.ReadInteger());
        sequence.ThrowIfNotEmpty();
        Assert.Equal(expectedIntegersHex, Convert.ToHexString(der[2..]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    public void P1363ToDer_WithOddOrEmptySignature_ThrowsCryptographicExceptionNamingTheKey(int length)
    {
        var e = Assert.Throws<CryptographicException>(() => KeyManagerSignatureGenerator.P1363ToDer(new byte[length], "ca-key"));

        Assert.Contains("ca-key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WithUnspecifiedKeyType_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentNullException>(() => new KeyManagerSignatureGenerator(null!));
        Assert.Throws<ArgumentException>(() => new KeyManagerSignatureGenerator(new UnspecifiedSigner()));
    }

    public void Dispose() => _keys.Dispose();

    private sealed class UnspecifiedSigner : IKeySigner
    {
        public string KeyId => "x";

        public KeyType KeyType => KeyType.Unspecified;

        public PublicKey PublicKey => throw new NotSupportedException();

        public ValueTask<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
