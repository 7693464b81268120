using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Attestation.Tests.Workload;

/// <summary>
/// A Docker Engine API on a Unix socket that answers <c>GET /v{version}/containers/{id}/json</c>
/// like the real one: the inspect document for a known container, 404 with a message otherwise.
/// </summary>
internal sealed class FakeDockerEngine : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private FakeDockerEngine(WebApplication app, string directory, string socketPath)
    {
        _app = app;
        _directory = directory;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public string DockerHost => "unix://" + SocketPath;

    public ConcurrentDictionary<string, string> Containers { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> RequestPaths { get; } = new();

    public static async Task<FakeDockerEngine> StartAsync()
    {
        var directory = IdentityIssuer.Tests.Common.Processes.FreePort.ShortTempDirectory();
        var socketPath = Path.Combine(directory, "docker.sock");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socketPath));
        var app = builder.Build();
        var engine = new FakeDockerEngine(app, directory, socketPath);
        app.MapGet("/v{version}/containers/{id}/json", (string version, string id, HttpContext context) =>
        {
            engine.RequestPaths.Enqueue(context.Request.Path);
            return engine.Containers.TryGetValue(id, out var body)
                ? Results.Text(body, "application/json")
                : Results.Json(new { message = $"No such container: {id}" }, statusCode: StatusCodes.Status404NotFound);
        });
        await app.StartAsync();
        return engine;
    }

    /// <summary>An inspect document shaped like Docker's, trimmed of fields the attestor ignores only where they are long.</summary>
    public static string InspectBody(string id, string image, IReadOnlyDictionary<string, string>? labels) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["Id"] = id,
            ["Created"] = "2024-05-02T09:12:44.123456789Z",
            ["Path"] = "nginx",
            ["Args"] = new[] { "-g", "daemon off;" },
            ["State"] = new Dictionary<string, object?>
            {
                ["Status"] = "running",
                ["Running"] = true,
                ["Pid"] = 4242,
                ["StartedAt"] = "2024-05-02T09:12:45.5Z",
            },
            ["Image"] = "sha256:2d389e545974d4a93ebdef09b650753a55f72d1ab4518d17a30c0e1b3e297444",
            ["Name"] = "/web",
            ["RestartCount"] = 0,
            ["Driver"] = "overlay2",
            ["HostConfig"] = new Dictionary<string, object?> { ["NetworkMode"] = "bridge" },
            ["Config"] = new Dictionary<string, object?>
            {
                ["Hostname"] = id[..12],
                ["User"] = "",
                ["Env"] = new[] { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.27.0" },
                ["Cmd"] = new[] { "nginx", "-g", "daemon off;" },
                ["Image"] = image,
                ["WorkingDir"] = "",
                ["Entrypoint"] = new[] { "/docker-entrypoint.sh" },
                ["Labels"] = labels,
            },
            ["NetworkSettings"] = new Dictionary<string, object?> { ["IPAddress"] = "172.17.0.2" },
        });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
