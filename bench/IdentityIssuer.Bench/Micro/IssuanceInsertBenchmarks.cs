using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using IdentityIssuer.Bench.Support;
using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Bench.Micro;

/// <summary>Writing issuance records to SQLite in one batch, as the minter does after each batch.</summary>
public class IssuanceInsertBenchmarks
{
    private BenchIssuer _issuer = null!;
    private string _authority = null!;

    [Params(1, 100)]
    public int Records { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _issuer = await BenchIssuer.StartAsync(new BenchIssuerSettings(), CancellationToken.None);
        _authority = _issuer.Ca.ActiveX509.Id;
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _issuer.DisposeAsync();

    [Benchmark(Description = "issuance records batch insert (SQLite)")]
    public Task Insert()
    {
        var now = DateTimeOffset.UtcNow;
        var records = new IssuanceRecord[Records];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = new IssuanceRecord
            {
                Serial = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                Kind = SvidKind.X509,
                SpiffeId = "spiffe://example.org/bench/workload",
                Caller = "bench",
                NotBefore = now,
                NotAfter = now.AddHours(1),
                KeyType = "ec-p256",
                SigningAuthority = _authority,
                CreatedAt = now,
            };
        }

        return _issuer.Store.AddIssuanceRecordsAsync(records, CancellationToken.None);
    }
}
