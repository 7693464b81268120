using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Gateway.Authorization;
using IdentityIssuer.Gateway.Hosting;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.X509;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Bench.GatewayBench;

/// <summary>
/// The gateway's added latency and its throughput. In one process: a tool API that terminates mTLS
/// with the gateway library (caller validation + RequireToolCapability), the real gateway host
/// (GatewayHost.Build: mTLS in, policy, audit file, mTLS out to the tool API), and a caller with an
/// SVID. The same GET /search goes directly to the tool API and through the gateway, over kept-alive
/// connections; latency is sampled alternately, throughput is measured for each path in turn.
/// Reports; never fails on speed.
/// </summary>
internal static class GatewayBenchDriver
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = GatewayBenchOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync((string.IsNullOrEmpty(error) ? string.Empty : error + "\n\n") + GatewayBenchOptions.Usage);
            return string.IsNullOrEmpty(error) ? 0 : 2;
        }

        var root = Path.Combine(Path.GetTempPath(), "gwb-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            return await RunAsync(options, root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<int> RunAsync(GatewayBenchOptions options, string root)
    {
        var certificates = new BenchCertificates();
        var bundles = new X509BundleSet([new X509Bundle(TrustDomain.Parse("example.org"), [certificates.Ca])]);
        WorkloadIdentity Identity(string path) => new(certificates.Svid(path), [], bundles, RevocationSet.Empty);
        var policy = Path.Combine(root, "policy.json");
        await File.WriteAllTextAsync(policy, $$"""
            { "tools": { "search": { "risk": "read" } },
              "rules": [ { "name": "bench", "spiffeId": "spiffe://example.org/bench/*", "tools": ["search"], "actions": ["query"], "targets": ["**"] } ] }
            """);

        var (toolPort, gatewayPort) = (FreePort(), FreePort());
        await using var toolApi = ToolApi(new StaticWorkloadIdentitySource(Identity("/bench/tool-api")), policy, toolPort);
        await toolApi.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Port"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:PolicyFile"] = policy,
            ["Gateway:AdminSocketPath"] = Path.Combine(root, "admin.sock"),
            ["Upstream:Address"] = $"https://127.0.0.1:{toolPort}",
            ["Upstream:PresentSvid"] = "true",
            ["Upstream:SpiffeId"] = "spiffe://example.org/bench/tool-api",
            ["Routes:0:Methods:0"] = "GET",
            ["Routes:0:Path"] = "/search",
            ["Routes:0:Tool"] = "search",
            ["Routes:0:Action"] = "query",
            ["Routes:0:Target"] = "{query.index}",
            ["Audit:FilePath"] = Path.Combine(root, "audit.log"),
            ["Audit:Stdout"] = "false",
            ["Ops:Port"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        }).Build();
        var (settings, routes) = GatewayHost.Validate(configuration);
        await using var gateway = GatewayHost.Build(configuration, settings, routes, new StaticWorkloadIdentitySource(Identity("/bench/gateway")));
        await gateway.StartAsync();

        var caller = certificates.Svid("/bench/caller");
        var direct = new Uri($"https://127.0.0.1:{toolPort}/search?q=bench&index=docs");
        var through = new Uri($"https://127.0.0.1:{gatewayPort}/search?q=bench&index=docs");
        Console.WriteLine($"gateway: {Environment.ProcessorCount} processors, .NET {Environment.Version}, load average {LoadAverage()}");
        Console.WriteLine($"     GET /search, EC P-256 SVIDs, TLS 1.3, HTTP/1.1 kept alive; gateway: policy + audit file + mTLS to the tool API");

        using (var client = Client(caller))
        {
            for (var i = 0; i < options.Warmup; i++)
            {
                await CallAsync(client, direct);
                await CallAsync(client, through);
            }

            var directTimes = new List<double>(options.Samples);
            var gatewayTimes = new List<double>(options.Samples);
            for (var i = 0; i < options.Samples; i++)
            {
                directTimes.Add(await TimeAsync(client, direct));
                gatewayTimes.Add(await TimeAsync(client, through));
            }

            var (d50, d99) = (Percentile(directTimes, 0.50), Percentile(directTimes, 0.99));
            var (g50, g99) = (Percentile(gatewayTimes, 0.50), Percentile(gatewayTimes, 0.99));
            Console.WriteLine($"latency, {options.Samples} sequential requests each (alternating):");
            Console.WriteLine($"     direct to the tool API   p50 {d50:F3} ms   p99 {d99:F3} ms");
            Console.WriteLine($"     through the gateway      p50 {g50:F3} ms   p99 {g99:F3} ms");
            Console.WriteLine($"     added by the gateway     p50 {g50 - d50:F3} ms   p99 {g99 - d99:F3} ms");
        }

        Console.WriteLine($"throughput, {options.Concurrency} concurrent callers, {options.Seconds} s each (load average {LoadAverage()}):");
        foreach (var (name, uri) in new[] { ("direct to the tool API", direct), ("through the gateway", through) })
        {
            var (rps, cores) = await ThroughputAsync(caller, uri, options);
            Console.WriteLine($"     {name,-24} {rps,8:F0} requests/s   process used {cores:F2} cores");
        }

        var audited = Directory.EnumerateFiles(root, "audit.log*").Sum(f => File.ReadLines(f).LongCount());
        Console.WriteLine($"     the gateway wrote {audited} audit lines (rotated files included)");
        await gateway.StopAsync();
        await toolApi.StopAsync();
        return 0;
    }

    private static WebApplication ToolApi(IWorkloadIdentitySource identity, string policy, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(identity);
        builder.Services.AddWorkloadAuthorization(policy);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen => listen.UseWorkloadMtls(identity)));
        var app = builder.Build();
        app.UseWorkloadCaller();
        app.MapGet("/search", (HttpContext context) => Results.Ok(new { tool = "search", caller = context.GetWorkloadCaller()!.Id.ToString() }))
            .RequireToolCapability("search:query", context => context.Request.Query["index"]);
        return app;
    }

    private static HttpClient Client(X509Certificate2 caller)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            SslOptions = new SslClientAuthenticationOptions
            {
                LocalCertificateSelectionCallback = (_, _, _, _, _) => caller,
                // The bench's own CA signed both servers; the handshake cost is outside the measurement.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        };
        return new HttpClient(handler, disposeHandler: true);
    }

    private static async Task CallAsync(HttpClient client, Uri uri)
    {
        using var response = await client.GetAsync(uri);
        await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {uri} answered {(int)response.StatusCode}");
        }
    }

    private static async Task<double> TimeAsync(HttpClient client, Uri uri)
    {
        var start = Stopwatch.GetTimestamp();
        await CallAsync(client, uri);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async Task<(double Rps, double Cores)> ThroughputAsync(X509Certificate2 caller, Uri uri, GatewayBenchOptions options)
    {
        var clients = Enumerable.Range(0, options.Concurrency).Select(_ => Client(caller)).ToArray();
        try
        {
            foreach (var client in clients)
            {
                await CallAsync(client, uri);
            }

            var count = 0L;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var end = DateTime.UtcNow + TimeSpan.FromSeconds(options.Seconds);
            await Task.WhenAll(clients.Select(async client =>
            {
                while (DateTime.UtcNow < end)
                {
                    await CallAsync(client, uri);
                    Interlocked.Increment(ref count);
                }
            }));
            var elapsed = clock.Elapsed.TotalSeconds;
            var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            return (count / elapsed, used / elapsed);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
