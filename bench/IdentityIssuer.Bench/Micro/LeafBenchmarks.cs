using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using IdentityIssuer.Bench.Support;
using IdentityIssuer.Issuer.Ca;

namespace IdentityIssuer.Bench.Micro;

/// <summary>
/// Building and signing one leaf certificate through the key manager's signature generator: the
/// minter's encoder, and the framework's CertificateRequest.Create (which also loads the result
/// into an X509Certificate2) for comparison.
/// </summary>
public class LeafBenchmarks
{
    private BenchIssuer _issuer = null!;
    private X509Authority _authority = null!;
    private PublicKey _subjectKey = null!;
    private X500DistinguishedName _subject = null!;
    private X509Extension[] _extensions = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _issuer = await BenchIssuer.StartAsync(new BenchIssuerSettings(), CancellationToken.None);
        _authority = _issuer.Ca.ActiveX509;
        _subjectKey = CertificateRequest.LoadSigningRequest(CsrFactory.CreateP256(), _authority.Hash, CertificateRequestLoadOptions.SkipSignatureValidation).PublicKey;
        _subject = new X500DistinguishedName("C=US, O=SPIRE");
        _extensions =
        [
            new X509BasicConstraintsExtension(false, false, 0, true),
            new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement, true),
            new X509EnhancedKeyUsageExtension([new("1.3.6.1.5.5.7.3.1"), new("1.3.6.1.5.5.7.3.2")], false),
            new X509SubjectKeyIdentifierExtension(_subjectKey, false),
            _authority.AuthorityKeyIdentifier,
            X509Extensions.SubjectAltName("spiffe://example.org/bench/workload", [], critical: false),
        ];
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _issuer.DisposeAsync();

    [Benchmark(Description = "leaf build + sign (minter's encoder)")]
    public byte[] Encode()
    {
        var now = DateTimeOffset.UtcNow;
        return X509SvidEncoder.Encode(
            _authority.Certificate.SubjectName, _subject, _subjectKey, _extensions, X509Extensions.NewSerialNumber(),
            now.AddSeconds(-10), now.AddHours(1), _authority.Generator, _authority.Hash);
    }

    [Benchmark(Description = "leaf build + sign (CertificateRequest.Create)")]
    public int FrameworkCreate()
    {
        var now = DateTimeOffset.UtcNow;
        var request = new CertificateRequest(_subject, _subjectKey, _authority.Hash);
        foreach (var extension in _extensions)
        {
            request.CertificateExtensions.Add(extension);
        }

        using var certificate = request.Create(_authority.Certificate.SubjectName, _authority.Generator, now.AddSeconds(-10), now.AddHours(1), X509Extensions.NewSerialNumber());
        return certificate.RawData.Length;
    }
}
