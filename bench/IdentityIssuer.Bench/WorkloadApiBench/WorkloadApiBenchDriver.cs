using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Cli;
using IdentityIssuer.Spiffe.WorkloadApi;
using IdentityIssuer.Spiffe.WorkloadApi.Proto;

namespace IdentityIssuer.Bench.WorkloadApiBench;

/// <summary>
/// Starts the real <c>identity-issuer run</c> and <c>identity-agent run</c>, registers N entries
/// under the agent, waits until the agent has minted them all, then measures the Workload API's
/// first-response latency on new connections and the agent's memory. Reports; never fails on speed.
/// </summary>
internal static class WorkloadApiBenchDriver
{
    private const string TrustDomain = "example.org";
    private const string JwtAudience = "bench";

    /// <summary>The agent's debug line for each workload SVID it minted (AgentService, event 1106).</summary>
    private const string MintedMarker = "Minted workload SVID";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = WorkloadApiBenchOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync((string.IsNullOrEmpty(error) ? string.Empty : error + "\n\n") + WorkloadApiBenchOptions.Usage);
            return string.IsNullOrEmpty(error) ? 0 : 2;
        }

        var bin = FindBin(options.Bin);
        if (bin is null)
        {
            await Console.Error.WriteLineAsync(
                "workload-api: identity-issuer and identity-agent not found (looked next to this program and in .local/bin of the current directory and its parents).\n" +
                "Publish them first, or pass --bin DIR:\n" +
                "  dotnet publish src/Issuer -c Release -o .local/bin\n  dotnet publish src/Agent -c Release -o .local/bin");
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var ct = cancel.Token;

        // Unix socket paths are limited to 107 bytes, so everything lives in a short directory under /tmp.
        var root = Path.Combine("/tmp", "wlb-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)));
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        ChildProcess? issuer = null;
        ChildProcess? agent = null;
        try
        {
            return await RunAsync(options, bin, root, p => issuer = p, p => agent = p, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("workload-api: interrupted; stopping the issuer and the agent");
            return 130;
        }
        catch (SetupException e)
        {
            await Console.Error.WriteLineAsync($"workload-api: {e.Message}");
            return 1;
        }
        finally
        {
            agent?.Dispose();
            issuer?.Dispose();
            if (options.Keep)
            {
                Console.WriteLine($"kept {root}");
            }
            else
            {
                TryDelete(root);
            }
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }
    }

    private static async Task<int> RunAsync(
        WorkloadApiBenchOptions options, string bin, string root, Action<ChildProcess> issuerStarted, Action<ChildProcess> agentStarted, CancellationToken ct)
    {
        var uid = OwnUid();
        var adminSocket = Path.Combine(root, "admin.sock");
        var apiSocket = Path.Combine(root, "api.sock");
        var (bundlePort, opsPort, agentApiPort) = (FreePort(), FreePort(), FreePort());
        Console.WriteLine($"workload-api: {options.Entries} entries, {options.Samples} samples per method after {options.Warmup} warm-up calls, agent GC {options.AgentGc ?? "as shipped"}");
        Console.WriteLine($"     {Environment.ProcessorCount} processors, .NET {Environment.Version}, load average {LoadAverage()}, binaries {bin}");

        // --- issuer ---------------------------------------------------------------------------
        var issuer = ChildProcess.Start(bin, "identity-issuer",
        [
            "run",
            $"--Issuer:TrustDomain={TrustDomain}",
            $"--Issuer:DataDirectory={Path.Combine(root, "issuer")}",
            $"--AdminApi:SocketPath={adminSocket}",
            $"--BundleEndpoint:Port={bundlePort}",
            $"--Ops:Port={opsPort}",
            $"--AgentApi:Port={agentApiPort}",
        ], Path.Combine(root, "issuer.log"));
        issuerStarted(issuer);
        using var admin = new AdminClient(adminSocket);
        var clock = Stopwatch.StartNew();
        await WaitForAsync(issuer, TimeSpan.FromSeconds(60), "the issuer's admin API", async () =>
        {
            try
            {
                await admin.GetAsync<HealthView>("/v1/health", ct);
                return true;
            }
            catch (AdminApiException)
            {
                return false;
            }
        }, ct);
        Console.WriteLine($"     issuer up in {clock.Elapsed.TotalSeconds:F1} s (pid {issuer.Id})");

        // --- join token, bundle, entries -----------------------------------------------------
        var token = await admin.PostAsync<JoinTokenView>("/v1/join-tokens", new JoinTokenRequest(600), ct);
        var bundleFile = Path.Combine(root, "bootstrap-bundle.pem");
        await File.WriteAllTextAsync(bundleFile, await admin.GetTextAsync("/v1/bundle?format=pem", ct), ct);

        // Entries for other uids first, the bench's own last. The agent syncs by revision and mints
        // everything a sync brought before it publishes, so once the own entry (the newest
        // revision) is served, every earlier entry was minted in the same or an earlier sync.
        clock.Restart();
        var ownId = $"spiffe://{TrustDomain}/bench/self";
        await Parallel.ForAsync(0, options.Entries - 1, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token2) =>
            await CreateEntryAsync(admin, $"spiffe://{TrustDomain}/bench/workload-{i}", token.AgentId, $"unix:uid:{100000 + i}", token2));
        await CreateEntryAsync(admin, ownId, token.AgentId, $"unix:uid:{uid}", ct);
        Console.WriteLine($"     {options.Entries} entries created in {clock.Elapsed.TotalSeconds:F1} s under {token.AgentId}");

        // --- agent ------------------------------------------------------------------------------
        var minted = 0;
        var environment = options.AgentGc is null
            ? null
            : new Dictionary<string, string> { ["DOTNET_gcServer"] = options.AgentGc == "server" ? "1" : "0" };
        clock.Restart();
        var agent = ChildProcess.Start(bin, "identity-agent",
        [
            "run",
            $"--Agent:TrustDomain={TrustDomain}",
            $"--Agent:IssuerAddress=https://127.0.0.1:{agentApiPort}",
            $"--Agent:TrustBundleFile={bundleFile}",
            $"--Agent:DataDirectory={Path.Combine(root, "agent")}",
            $"--WorkloadApi:SocketPath={apiSocket}",
            "--Ops:Port=0",
            // Only the sync service at Debug: one line per minted workload SVID, counted below.
            "--Logging:LogLevel:IdentityIssuer.Agent.Sync.AgentService=Debug",
            "--join-token", token.Token,
        ], Path.Combine(root, "agent.log"), environment, line =>
        {
            if (line.Contains(MintedMarker, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref minted);
            }
        });
        agentStarted(agent);

        // Done when the own identity is served (see above) AND the agent logged a mint for every
        // entry: the first proves the batch was published, the second that nothing was skipped.
        TimeSpan? served = null;
        await WaitForAsync(agent, TimeSpan.FromSeconds(options.SyncTimeoutSeconds), $"the agent to serve {ownId} and mint {options.Entries} SVIDs", async () =>
        {
            if (served is null)
            {
                try
                {
                    var (_, response) = await RawWorkloadCall.FirstMessageAsync(apiSocket, "FetchX509SVID", new X509SVIDRequest(), X509SVIDResponse.Parser, ct);
                    if (response.Svids.Any(s => s.SpiffeId == ownId))
                    {
                        served = clock.Elapsed;
                    }
                }
                catch (Exception e) when (e is WorkloadCallException or HttpRequestException or IOException)
                {
                    // not listening yet, or no identity yet (PermissionDenied / Unavailable)
                }
            }

            return served is not null && Volatile.Read(ref minted) >= options.Entries;
        }, ct);
        var syncedAt = clock.Elapsed;
        Console.WriteLine($"     agent (pid {agent.Id}) served the own SVID {served!.Value.TotalSeconds:F1} s after start; {Volatile.Read(ref minted)} SVIDs minted by {syncedAt.TotalSeconds:F1} s");

        await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), ct);
        var agentAfterSync = agent.Memory();
        var issuerAfterSync = issuer.Memory();

        // --- measurements ----------------------------------------------------------------------
        var loadBefore = LoadAverage();
        var x509Raw = await SampleAsync(options, async () =>
        {
            var (elapsed, response) = await RawWorkloadCall.FirstMessageAsync(apiSocket, "FetchX509SVID", new X509SVIDRequest(), X509SVIDResponse.Parser, ct);
            return response.Svids.Count == 1 && response.Svids[0].SpiffeId == ownId ? elapsed : throw new SetupException($"FetchX509SVID returned {response.Svids.Count} SVIDs");
        });

        var x509Client = await SampleAsync(options, async () =>
        {
            using var client = new WorkloadApiClient("unix://" + apiSocket);
            var started = Stopwatch.GetTimestamp();
            var context = await client.FetchX509ContextAsync(ct);
            var elapsed = Stopwatch.GetElapsedTime(started);
            foreach (var svid in context.Svids)
            {
                svid.Certificate.Dispose();
            }

            return elapsed;
        });

        var jwtRequest = new JWTSVIDRequest { Audience = { JwtAudience } };
        var (jwtFirst, _) = await RawWorkloadCall.FirstMessageAsync(apiSocket, "FetchJWTSVID", jwtRequest, JWTSVIDResponse.Parser, ct);
        var jwtRaw = await SampleAsync(options, async () =>
        {
            var (elapsed, response) = await RawWorkloadCall.FirstMessageAsync(apiSocket, "FetchJWTSVID", jwtRequest, JWTSVIDResponse.Parser, ct);
            return response.Svids.Count == 1 ? elapsed : throw new SetupException($"FetchJWTSVID returned {response.Svids.Count} SVIDs");
        });
        var loadAfter = LoadAverage();

        var agentAfterSamples = agent.Memory();
        var issuerAfterSamples = issuer.Memory();

        Print(options, x509Raw, x509Client, jwtFirst, jwtRaw,
            (agentAfterSync, agentAfterSamples), (issuerAfterSync, issuerAfterSamples), served.Value, syncedAt, loadBefore, loadAfter);
        return 0;
    }

    private static async Task CreateEntryAsync(AdminClient admin, string spiffeId, string parentId, string selector, CancellationToken ct) =>
        await admin.PostAsync<EntryView>("/v1/entries", new { spiffeId, parentId, selectors = new[] { selector } }, ct);

    private static async Task<double[]> SampleAsync(WorkloadApiBenchOptions options, Func<Task<TimeSpan>> call)
    {
        for (var i = 0; i < options.Warmup; i++)
        {
            await call();
        }

        var samples = new double[options.Samples];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (await call()).TotalMilliseconds;
        }

        Array.Sort(samples);
        return samples;
    }

    private static async Task WaitForAsync(ChildProcess process, TimeSpan timeout, string what, Func<Task<bool>> ready, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!await ready())
        {
            if (process.HasExited)
            {
                throw new SetupException($"{process.Name} exited while waiting for {what}; its log ends with:\n{process.Tail(20)}");
            }

            if (deadline.Elapsed > timeout)
            {
                throw new SetupException($"gave up waiting for {what} after {timeout.TotalSeconds:F0} s; {process.Name}'s log ends with:\n{process.Tail(20)}");
            }

            await Task.Delay(100, ct);
        }
    }

    private static void Print(
        WorkloadApiBenchOptions options,
        double[] x509Raw,
        double[] x509Client,
        TimeSpan jwtFirst,
        double[] jwtRaw,
        ((long Rss, long Hwm) Sync, (long Rss, long Hwm) Samples) agent,
        ((long Rss, long Hwm) Sync, (long Rss, long Hwm) Samples) issuer,
        TimeSpan served,
        TimeSpan synced,
        string loadBefore,
        string loadAfter)
    {
        var rows = new List<(string Name, string Value)>
        {
            ("entries on the agent", F(options.Entries)),
            ("agent start -> own SVID served / all minted", $"{served.TotalSeconds:F1} s / {synced.TotalSeconds:F1} s"),
            ("load average before / after the samples", $"{loadBefore}  /  {loadAfter}"),
            ($"FetchX509SVID first message, new connection (n={x509Raw.Length})", Latency(x509Raw)),
            ($"  same through WorkloadApiClient, incl. parsing (n={x509Client.Length})", Latency(x509Client)),
            ("FetchJWTSVID first call (JWT minted by the issuer)", $"{jwtFirst.TotalMilliseconds:F2} ms"),
            ($"FetchJWTSVID, cached, new connection (n={jwtRaw.Length})", Latency(jwtRaw)),
            ("agent VmRSS / VmHWM after sync", $"{MiB(agent.Sync.Rss)} / {MiB(agent.Sync.Hwm)}"),
            ("agent VmRSS / VmHWM after samples", $"{MiB(agent.Samples.Rss)} / {MiB(agent.Samples.Hwm)}"),
            ("issuer VmRSS / VmHWM after sync", $"{MiB(issuer.Sync.Rss)} / {MiB(issuer.Sync.Hwm)}"),
            ("issuer VmRSS / VmHWM after samples", $"{MiB(issuer.Samples.Rss)} / {MiB(issuer.Samples.Hwm)}"),
        };

        var width = rows.Max(r => r.Name.Length);
        Console.WriteLine();
        Console.WriteLine($"| {"measure".PadRight(width)} | value");
        Console.WriteLine($"|{new string('-', width + 2)}|{new string('-', 50)}");
        foreach (var (name, value) in rows)
        {
            Console.WriteLine($"| {name.PadRight(width)} | {value}");
        }
    }

    private static string Latency(double[] sorted) =>
        $"p50 {Percentile(sorted, 0.50):F2}  p90 {Percentile(sorted, 0.90):F2}  p99 {Percentile(sorted, 0.99):F2}  max {sorted[^1]:F2} ms";

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string MiB(long kib) => kib < 0 ? "n/a" : $"{kib / 1024.0:F1} MiB";

    private static string F(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>--bin, else the directory of this program, else .local/bin in the current directory or a parent.</summary>
    private static string? FindBin(string? explicitBin)
    {
        static bool Holds(string dir) =>
            (File.Exists(Path.Combine(dir, "identity-issuer")) || File.Exists(Path.Combine(dir, "identity-issuer.dll"))) &&
            (File.Exists(Path.Combine(dir, "identity-agent")) || File.Exists(Path.Combine(dir, "identity-agent.dll")));

        if (explicitBin is not null)
        {
            var full = Path.GetFullPath(explicitBin);
            return Holds(full) ? full : null;
        }

        if (Holds(AppContext.BaseDirectory))
        {
            return AppContext.BaseDirectory;
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".local", "bin");
            if (Holds(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string OwnUid()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                // Real, effective, saved, filesystem: the agent attests the effective uid (SO_PEERCRED).
                return line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[2];
            }
        }

        throw new SetupException("cannot read this process's uid from /proc/self/status");
    }

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

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"workload-api: could not remove {directory}: {e.Message}");
        }
    }
}

/// <summary>The issuer or agent could not be brought up, or answered something unexpected.</summary>
internal sealed class SetupException(string message) : Exception(message);
