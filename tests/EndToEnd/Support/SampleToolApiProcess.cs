using System.Globalization;
using System.Net.Sockets;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// samples/SampleToolApi as a separate process: <c>mtls</c> with its own SVID from the agent and a
/// policy file (the gateway's library middleware), or plain <c>http</c> on loopback. Counts as
/// started once its port accepts connections.
/// </summary>
public sealed class SampleToolApiProcess : ServiceProcess, IAsyncDisposable
{
    private readonly IReadOnlyList<string> _args;

    private SampleToolApiProcess(IReadOnlyList<string> args, int port, string directory)
    {
        _args = args;
        Port = port;
        Directory = directory;
    }

    public override string Name => "sample tool API";

    public int Port { get; }

    public string Directory { get; }

    /// <summary>
    /// A tool API that terminates mTLS with <paramref name="spiffeId"/>'s SVID and authorizes with
    /// <paramref name="policyText"/>, written to <paramref name="policyFileName"/> (whose extension picks the format).
    /// </summary>
    public static async Task<SampleToolApiProcess> StartMtlsAsync(AgentProcess agent, string spiffeId, string policyText, string policyFileName = "policy.json")
    {
        var directory = FreePort.ShortTempDirectory();
        var policy = Path.Combine(directory, policyFileName);
        await File.WriteAllTextAsync(policy, policyText);
        var port = FreePort.Next();
        var api = new SampleToolApiProcess(["--Port", port.ToString(CultureInfo.InvariantCulture), "--Mode", "mtls", "--WorkloadApiSocket", "unix://" + agent.SocketPath, "--SpiffeId", spiffeId, "--PolicyFile", policy], port, directory);
        await api.StartAsync();
        return api;
    }

    /// <summary>A plain HTTP tool API on loopback (for a TLS terminator in front of it).</summary>
    public static async Task<SampleToolApiProcess> StartHttpAsync()
    {
        var port = FreePort.Next();
        var api = new SampleToolApiProcess(["--Port", port.ToString(CultureInfo.InvariantCulture), "--Mode", "http"], port, FreePort.ShortTempDirectory());
        await api.StartAsync();
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopQuietlyAsync();
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private async Task StartAsync()
    {
        var process = Launch(Cli.DotnetHost, [GatewayCli.SampleToolApi, .. _args], Directory);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"the {Name} exited with code {process.ExitCode} while starting\n{Log}");
            }

            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(System.Net.IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"the {Name} did not listen on {Port} within {StartTimeout}\n{Log}");
    }
}
