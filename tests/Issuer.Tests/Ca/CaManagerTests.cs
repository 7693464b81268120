using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;
using Microsoft.Extensions.Time.Testing;

namespace IdentityIssuer.Issuer.Tests.Ca;

public sealed class CaManagerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ca-tests-" + Guid.NewGuid().ToString("N"));

    public CaManagerTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task FirstStart_CreatesSelfSignedCaForTheTrustDomainAndPublishesIt()
    {
        await using var issuer = await IssuerServices.StartAsync(directory: _directory);

        var ca = issuer.Ca.ActiveX509.Certificate;
        var basic = ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(basic.CertificateAuthority);
        Assert.True(basic.Critical);
        var usage = ca.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.True(usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign));
        Assert.Equal(["spiffe://example.org"], UriSanReader.ReadUris(ca));
        Assert.Equal(ca.SubjectName.RawData, ca.IssuerName.RawData);
        Assert.Equal(256, ca.GetECDsaPublicKey()!.KeySize);
        var bundle = await issuer.Bundles.GetOwnBundleAsync(CancellationToken.None);
        Assert.Contains(bundle.X509Authorities, a => a.RawData.AsSpan().SequenceEqual(ca.RawData));
        Assert.Contains(bundle.JwtAuthorities, k => k.KeyId == issuer.Ca.ActiveJwt.KeyId);
        Assert.True(bundle.Sequence >= 1);
    }

    [Theory]
    [InlineData("ec-p384", 384)]
    [InlineData("rsa-2048", 2048)]
    public async Task FirstStart_WithConfiguredKeyType_CreatesThatKind(string keyType, int size)
    {
        await using var issuer = await IssuerServices.StartAsync(new Dictionary<string, string?> { ["Ca:KeyType"] = keyType }, directory: _directory);

        var key = (AsymmetricAlgorithm?)issuer.Ca.ActiveX509.Certificate.GetECDsaPublicKey() ?? issuer.Ca.ActiveX509.Certificate.GetRSAPublicKey();
        Assert.Equal(size, key!.KeySize);
    }

    [Fact]
    public async Task Restart_WithDiskKeys_ResumesTheSameCaWithoutTouchingTheBundle()
    {
        var disk = new Dictionary<string, string?> { ["KeyManager:Type"] = "disk" };
        string firstId;
        long sequence;
        await using (var first = await IssuerServices.StartAsync(disk, _directory))
        {
            firstId = first.Ca.ActiveX509.Id;
            sequence = (await first.Bundles.GetOwnBundleAsync(CancellationToken.None)).Sequence!.Value;
        }

        await using var second = await IssuerServices.StartAsync(disk, _directory);

        Assert.Equal(firstId, second.Ca.ActiveX509.Id);
        Assert.Equal(sequence, (await second.Bundles.GetOwnBundleAsync(CancellationToken.None)).Sequence);
    }

    [Fact]
    public async Task Restart_WhenTheKeyIsGone_CreatesANewCaAndKeepsTheOldOneTrusted()
    {
        string firstId;
        await using (var first = await IssuerServices.StartAsync(directory: _directory))
        {
            firstId = first.Ca.ActiveX509.Id;
        }

        // Memory keys do not survive the restart: the journal's CA can no longer sign.
        await using var second = await IssuerServices.StartAsync(directory: _directory);

        Assert.NotEqual(firstId, second.Ca.ActiveX509.Id);
        var journal = await second.Store.ListAuthoritiesAsync(AuthorityKind.X509, CancellationToken.None);
        Assert.Equal(AuthorityStatus.Old, journal.Single(a => a.Id == firstId).Status);
        var bundle = await second.Bundles.GetOwnBundleAsync(CancellationToken.None);
        Assert.Equal(2, bundle.X509Authorities.Count);
    }

    [Fact]
    public async Task Restart_WhenTheCaExpired_CreatesANewOne()
    {
        var disk = new Dictionary<string, string?> { ["KeyManager:Type"] = "disk", ["Ca:Ttl"] = "01:00:00" };
        string firstId;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using (var first = await IssuerServices.StartAsync(disk, _directory, clock))
        {
            firstId = first.Ca.ActiveX509.Id;
        }

        clock.Advance(TimeSpan.FromHours(2));
        await using var second = await IssuerServices.StartAsync(disk, _directory, clock);

        Assert.NotEqual(firstId, second.Ca.ActiveX509.Id);
        Assert.True(second.Ca.ActiveX509.Record.NotAfter > clock.GetUtcNow());
    }

    [Fact]
    public async Task Upstream_CaIsIntermediateAndSvidsChainToTheUpstreamRoot()
    {
        using var root = TestCertificates.CreateRootCa("spiffe://example.org");
        var certFile = Path.Combine(_directory, "upstream.crt");
        var keyFile = Path.Combine(_directory, "upstream.key");
        await File.WriteAllTextAsync(certFile, root.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, root.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        await using var issuer = await IssuerServices.StartAsync(
            new Dictionary<string, string?> { ["Ca:UpstreamCertificateFile"] = certFile, ["Ca:UpstreamKeyFile"] = keyFile },
            _directory);
        var (csr, key) = Csr.Create();
        key.Dispose();
        var minted = await issuer.X509.MintAsync(new X509SvidParams { SpiffeId = SpiffeId.Parse("spiffe://example.org/w"), Csr = csr, Caller = "test" }, CancellationToken.None);
        var bundle = await issuer.Bundles.GetOwnBundleAsync(CancellationToken.None);

        Assert.Equal(root.SubjectName.RawData, issuer.Ca.ActiveX509.Certificate.IssuerName.RawData);
        Assert.Equal([root.RawData], bundle.X509Authorities.Select(a => a.RawData));
        Assert.True(issuer.Ca.ActiveX509.Certificate.NotAfter <= root.NotAfter);
        var chain = new List<X509Certificate2> { X509CertificateLoader.LoadCertificate(minted.CertificateDer) };
        chain.AddRange(minted.ChainAboveDer.Select(X509CertificateLoader.LoadCertificate));
        var result = X509SvidValidator.Validate(chain, new X509BundleSet([bundle.ToX509Bundle()]), issuer.Clock.GetUtcNow());
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task Upstream_WhenKeyDoesNotMatchCertificate_FailsNamingTheKeyFile()
    {
        using var root = TestCertificates.CreateRootCa("spiffe://example.org");
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var certFile = Path.Combine(_directory, "upstream.crt");
        var keyFile = Path.Combine(_directory, "upstream.key");
        await File.WriteAllTextAsync(certFile, root.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, other.ExportPkcs8PrivateKeyPem());

        var error = await Assert.ThrowsAsync<CaException>(() => IssuerServices.StartAsync(
            new Dictionary<string, string?> { ["Ca:UpstreamCertificateFile"] = certFile, ["Ca:UpstreamKeyFile"] = keyFile },
            _directory));

        Assert.Contains("Ca:UpstreamKeyFile", error.Message, StringComparison.Ordinal);
        Assert.Contains(keyFile, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upstream_WhenCertificateFileIsGarbage_FailsNamingTheFile()
    {
        var certFile = Path.Combine(_directory, "upstream.crt");
        var keyFile = Path.Combine(_directory, "upstream.key");
        await File.WriteAllTextAsync(certFile, "not a certificate");
        await File.WriteAllTextAsync(keyFile, "not a key");

        var error = await Assert.ThrowsAsync<CaException>(() => IssuerServices.StartAsync(
            new Dictionary<string, string?> { ["Ca:UpstreamCertificateFile"] = certFile, ["Ca:UpstreamKeyFile"] = keyFile },
            _directory));

        Assert.Contains(certFile, error.Message, StringComparison.Ordinal);
    }
}
