using BenchmarkDotNet.Attributes;
using IdentityIssuer.Bench.Support;
using IdentityIssuer.Issuer.Ca;

namespace IdentityIssuer.Bench.Micro;

/// <summary>
/// Whole mints through <see cref="X509SvidMinter"/> with the issuance record dropped, so the time
/// is CSR verify, certificate build and signature only. The batch case is per SVID, on all cores.
/// </summary>
public class MintBenchmarks
{
    private const int BatchSize = 100;
    private BenchIssuer _issuer = null!;
    private X509SvidParams[] _one = null!;
    private X509SvidParams[] _batch = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _issuer = await BenchIssuer.StartAsync(new BenchIssuerSettings { DiscardIssuanceRecords = true }, CancellationToken.None);
        _batch = CsrFactory.CreateRequests(BatchSize);
        _one = [_batch[0]];
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _issuer.DisposeAsync();

    [Benchmark(Description = "mint 1, no persistence")]
    public async Task<int> MintOne() => (await _issuer.X509.MintBatchAsync(_one, CancellationToken.None)).Count;

    [Benchmark(Description = "mint batch of 100, no persistence (per SVID)", OperationsPerInvoke = BatchSize)]
    public async Task<int> MintBatch() => (await _issuer.X509.MintBatchAsync(_batch, CancellationToken.None)).Count;
}
