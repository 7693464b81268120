using IdentityIssuer.Issuer.Cli;
using IdentityIssuer.Issuer.Hosting;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;

namespace IdentityIssuer.Issuer.Tests.Support;

/// <summary>The whole issuer host in this process: admin socket, bundle endpoint and ops port on free loopback ports.</summary>
public sealed class IssuerHostFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string Directory { get; } = FreePort.ShortTempDirectory();

    public string SocketPath => Path.Combine(Directory, "admin.sock");

    public int BundlePort { get; } = FreePort.Next();

    public int OpsPort { get; } = FreePort.Next();

    internal WebApplication App => _app ?? throw new InvalidOperationException("not started");

    internal AdminClient CreateClient() => new(SocketPath);

    public async Task InitializeAsync()
    {
        var configuration = IssuerHost.LoadConfiguration(null,
        [
            $"--Issuer:DataDirectory={Directory}",
            "--KeyManager:Type=memory",
            $"--BundleEndpoint:Port={BundlePort}",
            $"--Ops:Port={OpsPort}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        _app = IssuerHost.Build(configuration);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
