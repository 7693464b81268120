using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using IdentityIssuer.Bench.Support;
using IdentityIssuer.Issuer.Ca;

namespace IdentityIssuer.Bench.EndToEnd;

/// <summary>
/// Mints X509-SVIDs through the real services for a fixed time and compares the rate with the
/// machine's raw ECDSA P-256 limit measured by openssl in the same run. Reports; never fails on speed.
/// </summary>
internal static class EndToEndDriver
{
    /// <summary>The share of the raw ECDSA limit the signing path is expected to reach.</summary>
    public const double Target = 0.5;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = EndToEndOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync((string.IsNullOrEmpty(error) ? string.Empty : error + "\n\n") + EndToEndOptions.Usage);
            return string.IsNullOrEmpty(error) ? 0 : 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var ct = cancel.Token;

        var store = options.Postgres is null ? "sqlite (temporary file)" : "postgres";
        Console.WriteLine($"e2e: batch {options.Batch}, callers {options.Callers}, {options.Seconds}s after {options.WarmupSeconds}s warm-up, keys {options.Keys}, store {store}");
        Console.WriteLine($"     {Environment.ProcessorCount} processors, limit for {options.Cores} cores, .NET {Environment.Version}, server GC {GCSettings.IsServerGC}, load average {LoadAverage()}");

        var requests = CsrFactory.CreateRequests(options.Requests);
        MintResult minted;
        await using (var issuer = await BenchIssuer.StartAsync(
            new BenchIssuerSettings { KeyManager = options.Keys, PostgresConnectionString = options.Postgres }, ct))
        {
            if (options.WarmupSeconds > 0)
            {
                await MintForAsync(issuer.X509, requests, options, TimeSpan.FromSeconds(options.WarmupSeconds), ct);
            }

            minted = await MintForAsync(issuer.X509, requests, options, TimeSpan.FromSeconds(options.Seconds), ct);
        }

        // openssl runs after minting, on an otherwise idle process, so the two never compete.
        var oneCore = await OpensslSpeed.RunAsync(options.OpensslSeconds, 1, ct);
        var allCores = options.Cores > 1 ? await OpensslSpeed.RunAsync(options.OpensslSeconds, options.Cores, ct) : oneCore;

        Print(options, minted, oneCore, allCores);
        return 0;
    }

    private static async Task<MintResult> MintForAsync(X509SvidMinter minter, X509SvidParams[] requests, EndToEndOptions options, TimeSpan duration, CancellationToken ct)
    {
        var next = -1L;
        var clock = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, options.Callers).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>();
            var batch = new X509SvidParams[options.Batch];
            long svids = 0;
            while (clock.Elapsed < duration)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = requests[(int)(Interlocked.Increment(ref next) % requests.Length)];
                }

                var started = clock.Elapsed;
                var result = await minter.MintBatchAsync(batch, ct);
                latencies.Add((clock.Elapsed - started).TotalMilliseconds);
                svids += result.Count;
            }

            return (svids, latencies);
        }, ct)).ToArray();
        var done = await Task.WhenAll(callers);
        var elapsed = clock.Elapsed;
        var all = done.SelectMany(d => d.latencies).Order().ToArray();
        return new MintResult(done.Sum(d => d.svids), elapsed, all);
    }

    private static void Print(EndToEndOptions options, MintResult minted, OpensslSpeedResult oneCore, OpensslSpeedResult allCores)
    {
        var rate = minted.Svids / minted.Elapsed.TotalSeconds;
        var scaled = oneCore.SvidLimit * options.Cores;
        var ratio = rate / allCores.SvidLimit;
        var rows = new List<(string Name, string Value)>
        {
            ("SVIDs minted", F(minted.Svids)),
            ("elapsed", $"{minted.Elapsed.TotalSeconds:F1} s"),
            ("minted SVIDs/s", F(rate)),
            ("batch latency p50 / p99", $"{Percentile(minted.BatchLatenciesMs, 0.50):F2} / {Percentile(minted.BatchLatenciesMs, 0.99):F2} ms"),
            ("openssl sign/s, 1 core", F(oneCore.SignPerSecond)),
            ("openssl verify/s, 1 core", F(oneCore.VerifyPerSecond)),
            ("limit per core 1/(1/sign+1/verify)", F(oneCore.SvidLimit)),
            ($"limit per core x {options.Cores}", F(scaled)),
        };
        if (options.Cores > 1)
        {
            rows.Add(($"openssl sign/s, -multi {options.Cores}", F(allCores.SignPerSecond)));
            rows.Add(($"openssl verify/s, -multi {options.Cores}", F(allCores.VerifyPerSecond)));
            rows.Add(($"limit on {options.Cores} cores (-multi)", F(allCores.SvidLimit)));
        }

        rows.Add(("ratio minted / limit", $"{ratio:F2}  (target >= {Target:F1}: {(ratio >= Target ? "met" : "NOT met")})"));
        if (options.Cores > 1)
        {
            rows.Add(($"ratio minted / (per core x {options.Cores})", $"{rate / scaled:F2}"));
        }

        var width = rows.Max(r => r.Name.Length);
        Console.WriteLine();
        Console.WriteLine($"| {"measure".PadRight(width)} | value");
        Console.WriteLine($"|{new string('-', width + 2)}|{new string('-', 40)}");
        foreach (var (name, value) in rows)
        {
            Console.WriteLine($"| {name.PadRight(width)} | {value}");
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string F(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private sealed record MintResult(long Svids, TimeSpan Elapsed, double[] BatchLatenciesMs);
}
