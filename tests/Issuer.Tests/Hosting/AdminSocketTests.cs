using System.Net.Sockets;
using IdentityIssuer.Issuer.Hosting;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Tests.Hosting;

/// <summary>The admin socket's mode and its directory, as the issuer host sets them up before it listens.</summary>
public sealed class AdminSocketTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _directory = FreePort.ShortTempDirectory();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private WebApplication Build(params string[] overrides) => IssuerHost.Build(IssuerHost.LoadConfiguration(null,
    [
        $"--Issuer:DataDirectory={_directory}",
        "--KeyManager:Type=memory",
        $"--Ops:Port={FreePort.Next()}",
        $"--BundleEndpoint:Port={FreePort.Next()}",
        $"--AgentApi:Port={FreePort.Next()}",
        "--Logging:LogLevel:Default=Warning",
        .. overrides,
    ]));

    private string SocketDirectory(UnixFileMode mode)
    {
        var directory = Path.Combine(_directory, "run");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, mode);
        return directory;
    }

    [Fact]
    public async Task AdminSocket_WhenKestrelBindsIt_IsOwnerOnlyBeforeItListens()
    {
        await using var app = Build();
        var transport = app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        var path = Path.Combine(_directory, "admin.sock");

        // The socket Kestrel binds, before Kestrel calls listen: no one can connect yet, and the mode is already 0600.
        using var socket = transport.CreateBoundListenSocket(new UnixDomainSocketEndPoint(path));

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task AdminSocket_WithConfiguredMode_HasThatModeBeforeItListens()
    {
        await using var app = Build("--AdminApi:SocketMode=0660");
        var transport = app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        var path = Path.Combine(_directory, "admin.sock");

        using var socket = transport.CreateBoundListenSocket(new UnixDomainSocketEndPoint(path));

        Assert.Equal(OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Start_WhenSocketDirectoryIsSharedLikeTmp_IsRefusedNamingTheDirectory()
    {
        var directory = SocketDirectory((UnixFileMode)Convert.ToInt32("1777", 8));

        var error = Assert.Throws<InvalidOperationException>(() => Build($"--AdminApi:SocketPath={directory}/admin.sock"));

        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
        Assert.Contains("AdminApi:SocketPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("writable by other users", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "admin.sock")));
    }

    [Fact]
    public async Task Start_WhenOwnSocketDirectoryIsWorldWritable_RemovesGroupAndOtherWrite()
    {
        var directory = SocketDirectory((UnixFileMode)Convert.ToInt32("0777", 8));

        await using var app = Build($"--AdminApi:SocketPath={directory}/admin.sock");

        Assert.Equal((UnixFileMode)Convert.ToInt32("0755", 8), File.GetUnixFileMode(directory));
    }
}
