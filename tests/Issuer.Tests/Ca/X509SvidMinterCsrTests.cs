using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Issuer.Tests.Ca;

/// <summary>Which CSR keys and signature algorithms the minter accepts, and what it records for them.</summary>
public sealed class X509SvidMinterCsrTests : IAsyncLifetime
{
    private static readonly SpiffeId Web = SpiffeId.Parse("spiffe://example.org/demo/web");
    private IssuerServices _issuer = null!;

    public async Task InitializeAsync() => _issuer = await IssuerServices.StartAsync();

    public async Task DisposeAsync() => await _issuer.DisposeAsync();

    [Theory]
    [InlineData("ec-p256", "SHA256")]
    [InlineData("ec-p256", "SHA512")]
    [InlineData("ec-p384", "SHA384")]
    [InlineData("rsa-2048", "SHA256")]
    [InlineData("rsa-3072", "SHA384")]
    public async Task Mint_WithAcceptedKey_CarriesTheKeyAndRecordsItsType(string keyType, string hash)
    {
        using var key = CreateKey(keyType);
        var csr = CreateCsr(key, new HashAlgorithmName(hash));

        var minted = await _issuer.X509.MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, Caller = "csr-test" }, CancellationToken.None);

        using var leaf = X509CertificateLoader.LoadCertificate(minted.CertificateDer);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
        var record = (await _issuer.Store.ListIssuanceRecordsAsync(new IssuanceFilter { Serial = minted.Serial }, CancellationToken.None)).Items.Single();
        Assert.Equal(keyType, record.KeyType);
    }

    [Theory]
    [InlineData("ec-p521")]
    [InlineData("rsa-1024")]
    public async Task Mint_WithKeyOutsideThePolicy_FailsNamingTheKeyType(string keyType)
    {
        using var key = CreateKey(keyType);
        var csr = CreateCsr(key, HashAlgorithmName.SHA256);

        var error = await Assert.ThrowsAsync<CaException>(() => _issuer.X509.MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, Caller = "csr-test" }, CancellationToken.None));

        Assert.Contains($"CSR key type {keyType} is not accepted", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ec-p256")]
    [InlineData("rsa-2048")]
    public async Task Mint_WhenSignatureIsBroken_FailsAndRecordsNothing(string keyType)
    {
        using var key = CreateKey(keyType);
        var csr = CreateCsr(key, HashAlgorithmName.SHA256);
        csr[^3] ^= 0x01; // inside the signature BIT STRING

        var error = await Assert.ThrowsAsync<CaException>(() => _issuer.X509.MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, Caller = "csr-test" }, CancellationToken.None));

        Assert.Contains("signature does not verify", error.Message, StringComparison.Ordinal);
        var records = await _issuer.Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = "csr-test" }, CancellationToken.None);
        Assert.Empty(records.Items);
    }

    [Fact]
    public async Task MintBatch_WhenOneCsrIsSignedByAnotherKey_FailsNamingItsIndex()
    {
        using var good = CreateKey("ec-p256");
        using var other = CreateKey("ec-p256");
        var forged = new CertificateRequest("CN=x", (ECDsa)good, HashAlgorithmName.SHA256)
            .CreateSigningRequest(X509SignatureGenerator.CreateForECDsa((ECDsa)other));
        X509SvidParams[] batch =
        [
            new() { SpiffeId = Web, Csr = CreateCsr(good, HashAlgorithmName.SHA256), Caller = "csr-test" },
            new() { SpiffeId = Web, Csr = forged, Caller = "csr-test" },
        ];

        var error = await Assert.ThrowsAsync<CaException>(() => _issuer.X509.MintBatchAsync(batch, CancellationToken.None));

        Assert.StartsWith("request 1: CSR", error.Message, StringComparison.Ordinal);
        var records = await _issuer.Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = "csr-test" }, CancellationToken.None);
        Assert.Empty(records.Items);
    }

    private static AsymmetricAlgorithm CreateKey(string keyType) => keyType switch
    {
        "ec-p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        "ec-p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        "ec-p521" => ECDsa.Create(ECCurve.NamedCurves.nistP521),
        "rsa-1024" => RSA.Create(1024),
        "rsa-2048" => RSA.Create(2048),
        "rsa-3072" => RSA.Create(3072),
        _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, null),
    };

    private static byte[] CreateCsr(AsymmetricAlgorithm key, HashAlgorithmName hash) => key switch
    {
        ECDsa ec => new CertificateRequest("CN=workload", ec, hash).CreateSigningRequest(),
        RSA rsa => new CertificateRequest("CN=workload", rsa, hash, RSASignaturePadding.Pkcs1).CreateSigningRequest(),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };
}
