using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Issuer.Tests.Ca;

public sealed class X509SvidMinterTests : IAsyncLifetime
{
    private static readonly SpiffeId Web = SpiffeId.Parse("spiffe://example.org/demo/web");
    private IssuerServices _issuer = null!;

    public async Task InitializeAsync() => _issuer = await IssuerServices.StartAsync();

    public async Task DisposeAsync() => await _issuer.DisposeAsync();

    private async Task<(X509Certificate2 Leaf, MintedX509Svid Minted)> MintAsync(X509SvidParams? request = null)
    {
        var (csr, key) = Csr.Create();
        key.Dispose();
        request ??= new X509SvidParams { SpiffeId = Web, Csr = csr, Caller = "test" };
        var minted = await _issuer.X509.MintAsync(request, CancellationToken.None);
        return (X509CertificateLoader.LoadCertificate(minted.CertificateDer), minted);
    }

    [Fact]
    public async Task Mint_ProducesLeafThatValidatesAgainstTheBundle()
    {
        var (leaf, _) = await MintAsync();
        var bundle = await _issuer.Bundles.GetOwnBundleAsync(CancellationToken.None);

        var result = X509SvidValidator.Validate([leaf], new X509BundleSet([bundle.ToX509Bundle()]), _issuer.Clock.GetUtcNow());

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(Web, result.Id);
    }

    [Fact]
    public async Task Mint_HasExactlyOneUriSanHoldingTheSpiffeId()
    {
        var (leaf, _) = await MintAsync();

        Assert.Equal(["spiffe://example.org/demo/web"], UriSanReader.ReadUris(leaf));
    }

    [Fact]
    public async Task Mint_HasLeafProfile_KeyUsageCriticalEkuBothCaFalseSkiAki()
    {
        var (leaf, _) = await MintAsync();

        var usage = leaf.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement, usage.KeyUsages);
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).Order());
        var basic = leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.False(basic.CertificateAuthority);
        Assert.True(basic.Critical);
        var ski = leaf.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        Assert.False(string.IsNullOrEmpty(ski.SubjectKeyIdentifier));
        var aki = leaf.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single();
        var caSki = _issuer.Ca.ActiveX509.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        Assert.Equal(Convert.FromHexString(caSki.SubjectKeyIdentifier!), aki.KeyIdentifier!.Value.ToArray());
    }

    [Fact]
    public async Task Mint_SerialIsRandomPositive128Bit()
    {
        var (first, a) = await MintAsync();
        var (_, b) = await MintAsync();

        Assert.NotEqual(a.Serial, b.Serial);
        var serial = first.SerialNumberBytes.ToArray();
        Assert.Equal(16, serial.Length);
        Assert.True(new BigInteger(serial, isUnsigned: false, isBigEndian: true) > 0);
    }

    [Fact]
    public async Task Mint_BackdatesNotBeforeTenSecondsAndDefaultsTtlToOneHour()
    {
        var now = _issuer.Clock.GetUtcNow();
        var (leaf, minted) = await MintAsync();

        Assert.Equal(now.AddSeconds(-10).ToUnixTimeSeconds(), new DateTimeOffset(leaf.NotBefore.ToUniversalTime()).ToUnixTimeSeconds());
        Assert.Equal(now.AddHours(1).ToUnixTimeSeconds(), minted.NotAfter.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Mint_WhenTtlExceedsCaLifetime_CapsAtCaNotAfter()
    {
        var (csr, key) = Csr.Create();
        key.Dispose();
        var (leaf, _) = await MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, Ttl = TimeSpan.FromDays(20), Caller = "test" });

        Assert.Equal(_issuer.Ca.ActiveX509.Certificate.NotAfter, leaf.NotAfter);
    }

    [Fact]
    public async Task Mint_IgnoresTheSubjectAndSansTheCsrAsksFor()
    {
        var (csr, key) = Csr.Create("CN=evil", uriSan: "spiffe://example.org/admin", dns: "evil.example");
        key.Dispose();
        var (leaf, _) = await MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, DnsNames = ["web.example.org"], Caller = "test" });

        Assert.Equal(["spiffe://example.org/demo/web"], UriSanReader.ReadUris(leaf));
        Assert.Equal("web.example.org", leaf.GetNameInfo(X509NameType.DnsName, false));
        Assert.DoesNotContain("evil", leaf.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mint_CertificateCarriesTheCsrPublicKey()
    {
        var (csr, key) = Csr.Create();
        using (key)
        {
            var (leaf, _) = await MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, Caller = "test" });

            Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
        }
    }

    [Fact]
    public async Task Mint_WhenCsrSignatureIsBroken_FailsAndRecordsNothing()
    {
        var (csr, key) = Csr.Create();
        key.Dispose();
        csr[^5] ^= 0x40; // inside the signature BIT STRING

        var error = await Assert.ThrowsAsync<CaException>(() => _issuer.X509.MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, Caller = "test" }, CancellationToken.None));

        Assert.Contains("CSR", error.Message, StringComparison.Ordinal);
        var records = await _issuer.Store.ListIssuanceRecordsAsync(new IssuanceFilter(), CancellationToken.None);
        Assert.DoesNotContain(records.Items, r => r.Kind == SvidKind.X509 && r.Caller == "test");
    }

    [Fact]
    public async Task Mint_WhenCsrIsNotDer_FailsNamingTheCsr()
    {
        var error = await Assert.ThrowsAsync<CaException>(() => _issuer.X509.MintAsync(new X509SvidParams { SpiffeId = Web, Csr = [0x30, 0x03, 0x02, 0x01, 0x00], Caller = "test" }, CancellationToken.None));

        Assert.Contains("CSR is not a valid PKCS#10 request", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mint_WhenIdIsInAnotherTrustDomain_Fails()
    {
        var (csr, key) = Csr.Create();
        key.Dispose();

        var error = await Assert.ThrowsAsync<CaException>(() => _issuer.X509.MintAsync(new X509SvidParams { SpiffeId = SpiffeId.Parse("spiffe://other.org/web"), Csr = csr, Caller = "test" }, CancellationToken.None));

        Assert.Contains("trust domain example.org", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MintBatch_RecordsEverySvidWithCallerEntryAndAuthority()
    {
        var batch = Enumerable.Range(0, 20).Select(i =>
        {
            var (csr, key) = Csr.Create();
            key.Dispose();
            return new X509SvidParams { SpiffeId = SpiffeId.Parse($"spiffe://example.org/w/{i}"), Csr = csr, EntryId = $"entry-{i}", Caller = "agent-x" };
        }).ToList();

        var minted = await _issuer.X509.MintBatchAsync(batch, CancellationToken.None);

        var records = await _issuer.Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = "agent-x", PageSize = 100 }, CancellationToken.None);
        Assert.Equal(20, records.Items.Count);
        Assert.Equal(minted.Select(m => m.Serial).Order(), records.Items.Select(r => r.Serial).Order());
        var third = records.Items.Single(r => r.SpiffeId == "spiffe://example.org/w/3");
        Assert.Equal("entry-3", third.EntryId);
        Assert.Equal("ec-p256", third.KeyType);
        Assert.Equal(_issuer.Ca.ActiveX509.Id, third.SigningAuthority);
    }

    [Fact]
    public async Task Mint_SanExtensionHoldsTheIdByteForByte()
    {
        var id = SpiffeId.Parse("spiffe://example.org/A/.b/..c/x_y-z");
        var (csr, key) = Csr.Create();
        key.Dispose();
        var (leaf, _) = await MintAsync(new X509SvidParams { SpiffeId = id, Csr = csr, Caller = "test" });

        var san = leaf.Extensions["2.5.29.17"]!;
        var reader = new AsnReader(san.RawData, AsnEncodingRules.DER).ReadSequence();
        Assert.Equal("spiffe://example.org/A/.b/..c/x_y-z", reader.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6)));
        Assert.False(reader.HasData);
    }

    [Theory]
    [InlineData("1.3.132.0.10", "unsupported")]
    [InlineData("1.3.132.0.35", "ec-p521")]
    public async Task Mint_WhenCsrKeyIsOnAnotherCurve_IsRefusedNamingTheKeyType(string curveOid, string described)
    {
        using var key = ECDsa.Create(ECCurve.CreateFromValue(curveOid));
        var csr = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).CreateSigningRequest();

        var error = await Assert.ThrowsAsync<CaException>(() => _issuer.X509.MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, Caller = "test" }, CancellationToken.None));

        Assert.Contains($"CSR key type {described} is not accepted", error.Message, StringComparison.Ordinal);
    }
}
