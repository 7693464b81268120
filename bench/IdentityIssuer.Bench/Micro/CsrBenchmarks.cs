using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using IdentityIssuer.Bench.Support;

namespace IdentityIssuer.Bench.Micro;

/// <summary>Reading a workload's PKCS#10 request, with and without checking its self-signature.</summary>
public class CsrBenchmarks
{
    private byte[] _csr = null!;

    [GlobalSetup]
    public void Setup() => _csr = CsrFactory.CreateP256();

    [Benchmark(Description = "CSR load + verify (.NET)")]
    public PublicKey LoadAndVerify() =>
        CertificateRequest.LoadSigningRequest(_csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default).PublicKey;

    [Benchmark(Description = "CSR load, no verify (.NET)")]
    public PublicKey LoadOnly() =>
        CertificateRequest.LoadSigningRequest(_csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation).PublicKey;
}
