using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.WorkloadApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Agent.Tests.Support;

/// <summary>
/// The real Workload API server, in process, on a fresh Unix socket under /tmp (short, so it fits
/// sun_path), backed by an <see cref="InMemoryIdentityCache"/> and uid-based attestation. The socket's
/// parent directories do not exist beforehand, so the server creates them (0755) as it would in production.
/// </summary>
internal sealed class WorkloadApiTestServer : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private WebApplication? _app;

    private WorkloadApiTestServer(string root, TestTrustDomain trustDomain, IReadOnlyDictionary<string, string?> settings)
    {
        _settings = settings;
        Root = root;
        SocketPath = Path.Combine(root, "public", "api.sock");
        TrustDomain = trustDomain;
        Cache = new InMemoryIdentityCache(trustDomain);
    }

    public string Root { get; }

    public string SocketPath { get; }

    public string Address => "unix://" + SocketPath;

    public TestTrustDomain TrustDomain { get; }

    public InMemoryIdentityCache Cache { get; }

    public UidWorkloadAttestation Attestation { get; } = new();

    /// <summary>Everything the server logged (Debug and above).</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>Starts a server; <paramref name="settings"/> are more configuration keys (e.g. <c>WorkloadApi:MaxStreamsPerUid</c>).</summary>
    public static async Task<WorkloadApiTestServer> StartAsync(TestTrustDomain trustDomain, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var root = Path.Combine("/tmp", "wl-" + Guid.NewGuid().ToString("N")[..10]);
        var server = new WorkloadApiTestServer(root, trustDomain, settings ?? new Dictionary<string, string?>());
        await server.StartAsync();
        return server;
    }

    /// <summary>(Re)starts the server on the same socket path with the same cache.</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(Logs);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{WorkloadApiOptions.SectionName}:{nameof(WorkloadApiOptions.SocketPath)}"] = SocketPath,
        });
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Services.AddSingleton<IIdentityCache>(Cache);
        builder.Services.AddSingleton<IWorkloadAttestation>(Attestation);
        builder.Services.AddWorkloadApi(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenWorkloadApi(new WorkloadApiOptions { SocketPath = SocketPath }));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(5));
        var app = builder.Build();
        app.MapWorkloadApi();
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops the server (streams end with Unavailable), keeping the cache for a restart.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
