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

        // openssl runs before and after minting (never beside it) and the two are averaged, so a
        // change in load from other work on the machine shows up instead of skewing the ratio.
        var before = await MeasureOpensslAsync(options, ct);
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

        var after = await MeasureOpensslAsync(options, ct);
        Print(options, minted, before, after);
        return 0;
    }

    private static async Task<(OpensslSpeedResult OneCore, OpensslSpeedResult AllCores)> MeasureOpensslAsync(EndToEndOptions options, CancellationToken ct)
    {
        var oneCore = await OpensslSpeed.RunAsync(options.OpensslSeconds, 1, ct);
        var allCores = options.Cores > 1 ? await OpensslSpeed.RunAsync(options.OpensslSeconds, options.Cores, ct) : oneCore;
        return (oneCore, allCores);
    }

    private static async Task<MintResult> MintForAsync(X509SvidMinter minter, X509SvidParams[] requests, EndToEndOptions options, TimeSpan duration, CancellationToken ct)
    {
        var next = -1L;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
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
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var all = done.SelectMany(d => d.latencies).Order().ToArray();
        return new MintResult(done.Sum(d => d.svids), elapsed, cpu / elapsed, all);
    }

    private static void Print(
        EndToEndOptions options,
        MintResult minted,
        (OpensslSpeedResult OneCore, OpensslSpeedResult AllCores) before,
        (OpensslSpeedResult OneCore, OpensslSpeedResult AllCores) after)
    {
        var rate = minted.Svids / minted.Elapsed.TotalSeconds;
        var perCore = (before.OneCore.SvidLimit + after.OneCore.SvidLimit) / 2;
        var limit = (before.AllCores.SvidLimit + after.AllCores.SvidLimit) / 2;
        var ratio = rate / limit;
        var rows = new List<(string Name, string Value)>
        {
            ("SVIDs minted", F(minted.Svids)),
            ("elapsed", $"{minted.Elapsed.TotalSeconds:F1} s"),
            ("cores busy minting (process CPU / wall)", $"{minted.CoresBusy:F2}"),
            ("batch latency p50 / p99", $"{Percentile(minted.BatchLatenciesMs, 0.50):F2} / {Percentile(minted.BatchLatenciesMs, 0.99):F2} ms"),
            ("minted SVIDs/s", F(rate)),
            ("openssl sign/s, 1 core (before / after)", $"{F(before.OneCore.SignPerSecond)} / {F(after.OneCore.SignPerSecond)}"),
            ("openssl verify/s, 1 core (before / after)", $"{F(before.OneCore.VerifyPerSecond)} / {F(after.OneCore.VerifyPerSecond)}"),
            ("limit per core 1/(1/sign+1/verify)", F(perCore)),
            ($"limit per core x {options.Cores}", F(perCore * options.Cores)),
        };
        if (options.Cores > 1)
        {
            rows.Add(($"openssl sign/s, -multi {options.Cores} (before / after)", $"{F(before.AllCores.SignPerSecond)} / {F(after.AllCores.SignPerSecond)}"));
            rows.Add(($"openssl verify/s, -multi {options.Cores} (before / after)", $"{F(before.AllCores.VerifyPerSecond)} / {F(after.AllCores.VerifyPerSecond)}"));
            rows.Add(($"limit on {options.Cores} cores (-multi {options.Cores})", F(limit)));
        }

        rows.Add(("ratio minted / limit", $"{ratio:F2}  (target >= {Target:F1}: {(ratio >= Target ? "met" : "not met")})"));
        if (options.Cores > 1)
        {
            rows.Add(($"ratio minted / (limit per core x {options.Cores})", $"{rate / (perCore * options.Cores):F2}"));
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

    private sealed record MintResult(long Svids, TimeSpan Elapsed, double CoresBusy, double[] BatchLatenciesMs);
}
