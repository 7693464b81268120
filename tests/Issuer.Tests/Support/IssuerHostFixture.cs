using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Cli;
using IdentityIssuer.Issuer.Hosting;
using IdentityIssuer.Tests.Common.Certificates;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;

namespace IdentityIssuer.Issuer.Tests.Support;

/// <summary>
/// The whole issuer host in this process: admin socket, bundle endpoint, agent API and ops port on free
/// loopback ports. The agent API trusts <see cref="X509PopCa"/> for x509pop node certificates.
/// </summary>
public sealed class IssuerHostFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string Directory { get; } = FreePort.ShortTempDirectory();

    public string SocketPath => Path.Combine(Directory, "admin.sock");

    public int BundlePort { get; } = FreePort.Next();

    public int OpsPort { get; } = FreePort.Next();

    public int AgentPort { get; } = FreePort.Next();

    /// <summary>The CA (with its key) that x509pop node certificates must chain to.</summary>
    public X509Certificate2 X509PopCa { get; } = TestCertificates.CreateRootCa(spiffeId: null);

    internal WebApplication App => _app ?? throw new InvalidOperationException("not started");

    internal AdminClient CreateClient() => new(SocketPath);

    public async Task InitializeAsync()
    {
        var caBundle = Path.Combine(Directory, "x509pop-ca.pem");
        await File.WriteAllTextAsync(caBundle, X509PopCa.ExportCertificatePem());
        var configuration = IssuerHost.LoadConfiguration(null,
        [
            $"--Issuer:DataDirectory={Directory}",
            "--KeyManager:Type=memory",
            $"--BundleEndpoint:Port={BundlePort}",
            $"--Ops:Port={OpsPort}",
            $"--AgentApi:Port={AgentPort}",
            $"--AgentApi:X509Pop:CaBundleFile={caBundle}",
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

        X509PopCa.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
