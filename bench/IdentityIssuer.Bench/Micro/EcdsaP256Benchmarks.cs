using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace IdentityIssuer.Bench.Micro;

/// <summary>
/// The raw operations every SVID costs, one ECDSA P-256 signature and one verification, on one
/// thread and spread over every core (per operation), to show how far they scale in one process.
/// </summary>
public class EcdsaP256Benchmarks
{
    private const int Spread = 100;
    private readonly byte[] _digest = SHA256.HashData("a to-be-signed certificate"u8);
    private ECDsa _key = null!;
    private byte[] _signature = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _signature = _key.SignHash(_digest);
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Description = "ECDSA P-256 sign (digest)")]
    public byte[] Sign() => _key.SignHash(_digest);

    [Benchmark(Description = "ECDSA P-256 verify (digest)")]
    public bool Verify() => _key.VerifyHash(_digest, _signature);

    [Benchmark(Description = "ECDSA P-256 sign, all cores (per op)", OperationsPerInvoke = Spread)]
    public void SignAllCores() => Parallel.For(0, Spread, _ => _key.SignHash(_digest));

    [Benchmark(Description = "ECDSA P-256 verify, all cores (per op)", OperationsPerInvoke = Spread)]
    public void VerifyAllCores() => Parallel.For(0, Spread, _ => _key.VerifyHash(_digest, _signature));
}
