using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using IdentityIssuer.Bench.Support;

namespace IdentityIssuer.Bench.Micro;

/// <summary>
/// Reading a workload's PKCS#10 request: parsing, importing its public key into OpenSSL, and the
/// framework's load with signature check (one import plus one verify).
/// </summary>
public class CsrBenchmarks
{
    private byte[] _csr = null!;
    private PublicKey _key = null!;

    [GlobalSetup]
    public void Setup()
    {
        _csr = CsrFactory.CreateP256();
        _key = CertificateRequest.LoadSigningRequest(_csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation).PublicKey;
    }

    [Benchmark(Description = "CSR load + verify")]
    public PublicKey LoadAndVerify() =>
        CertificateRequest.LoadSigningRequest(_csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default).PublicKey;

    [Benchmark(Description = "CSR load, signature not checked")]
    public PublicKey LoadOnly() =>
        CertificateRequest.LoadSigningRequest(_csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation).PublicKey;

    [Benchmark(Description = "CSR public key import into OpenSSL")]
    public int ImportKey()
    {
        using var ecdsa = _key.GetECDsaPublicKey()!;
        return ecdsa.KeySize;
    }
}
