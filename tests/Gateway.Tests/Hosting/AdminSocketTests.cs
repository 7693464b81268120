using System.Net.Sockets;
using IdentityIssuer.Gateway.Hosting;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Gateway.Tests.Hosting;

/// <summary>The approvals admin socket's mode and its directory, as the gateway host sets them up before it listens.</summary>
public sealed class AdminSocketTests : IDisposable
{
    private readonly string _directory = FreePort.ShortTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private WebApplication Build(string socketPath)
    {
        File.WriteAllText(Path.Combine(_directory, "policy.json"), """{ "tools": { "search": { "risk": "read" } }, "rules": [] }""");
        var configuration = GatewayHost.LoadConfiguration(null,
        [
            "--Gateway:PolicyFile=" + Path.Combine(_directory, "policy.json"),
            "--Gateway:Port=" + FreePort.Next(),
            "--Gateway:AdminSocketPath=" + socketPath,
            "--Upstream:Address=http://127.0.0.1:9",
            "--Mcp:Path=/mcp",
            "--Audit:FilePath=" + Path.Combine(_directory, "audit.log"),
            "--Logging:LogLevel:Default=Warning",
            "--Ops:Port=0",
        ]);
        var (settings, routes) = GatewayHost.Validate(configuration);
        return GatewayHost.Build(configuration, settings, routes, new DeferredWorkloadIdentitySource());
    }

    private string SocketDirectory(string octalMode)
    {
        var directory = Path.Combine(_directory, "run");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32(octalMode, 8));
        return directory;
    }

    [Fact]
    public async Task AdminSocket_WhenKestrelBindsIt_IsOwnerOnlyBeforeItListens()
    {
        var path = Path.Combine(_directory, "admin.sock");
        await using var app = Build(path);
        var transport = app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;

        // The socket Kestrel binds, before Kestrel calls listen: no one can connect yet, and the mode is already 0600.
        using var socket = transport.CreateBoundListenSocket(new UnixDomainSocketEndPoint(path));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Start_WhenSocketDirectoryIsSharedLikeTmp_IsRefusedNamingTheDirectory()
    {
        var directory = SocketDirectory("1777");

        var error = Assert.Throws<InvalidOperationException>(() => Build(Path.Combine(directory, "admin.sock")));

        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:AdminSocketPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("writable by other users", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhenOwnSocketDirectoryIsWorldWritable_RemovesGroupAndOtherWrite()
    {
        var directory = SocketDirectory("0777");

        await using var app = Build(Path.Combine(directory, "admin.sock"));

        Assert.Equal((UnixFileMode)Convert.ToInt32("0755", 8), File.GetUnixFileMode(directory));
    }
}
