using System.Diagnostics;
using System.Globalization;
using IdentityIssuer.Tests.Common;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// A Workload API connection opened by one process and used by another (socket_handoff.py): the
/// connecting process forks a child that inherits the connection and relays it to <see cref="RelayPath"/>,
/// then exits when told to. A client of <see cref="RelayPath"/> talks to the agent over the connection
/// whose peer credentials name the connecting process.
/// </summary>
public sealed class SocketHandoff : IAsyncDisposable
{
    private static readonly string Script = Path.Combine(RepositoryPaths.Root, "tests", "EndToEnd", "Support", "socket_handoff.py");
    private readonly Process _connecting;
    private readonly List<int> _leftovers = [];

    private SocketHandoff(Process connecting, string relayPath, int connectingPid, int relayPid)
    {
        _connecting = connecting;
        RelayPath = relayPath;
        ConnectingPid = connectingPid;
        _leftovers.Add(relayPid);
    }

    /// <summary>The socket a client connects to in order to use the handed-off connection.</summary>
    public string RelayPath { get; }

    /// <summary>The pid the kernel recorded as the connection's peer.</summary>
    public int ConnectingPid { get; }

    /// <summary>Connects to <paramref name="agentSocket"/> from a new process and hands the connection to its child.</summary>
    public static async Task<SocketHandoff> StartAsync(string agentSocket)
    {
        var relayPath = Path.Combine("/tmp", "handoff-" + Guid.NewGuid().ToString("N")[..10] + ".sock");
        var info = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add("connect");
        info.ArgumentList.Add(agentSocket);
        info.ArgumentList.Add(relayPath);
        var process = Process.Start(info)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(cts.Token);
        var parts = line?.Split(' ');
        if (parts is not ["ready", var pid, var relayPid])
        {
            process.Kill();
            throw new InvalidOperationException($"socket_handoff.py did not get ready: {line}; stderr: {await process.StandardError.ReadToEndAsync(CancellationToken.None)}");
        }

        return new SocketHandoff(process, relayPath, int.Parse(pid, CultureInfo.InvariantCulture), int.Parse(relayPid, CultureInfo.InvariantCulture));
    }

    /// <summary>Ends the connecting process; its child keeps relaying the connection it opened.</summary>
    public async Task ExitConnectingProcessAsync()
    {
        _connecting.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _connecting.WaitForExitAsync(cts.Token);
        if (Directory.Exists($"/proc/{ConnectingPid}"))
        {
            throw new InvalidOperationException($"pid {ConnectingPid} still exists after the connecting process exited");
        }
    }

    /// <summary>
    /// Starts a long-running process (<c>sleep</c>, as the same user) that has the connecting process's
    /// old pid, as the kernel does when it reuses a pid. Returns false if another process took it first,
    /// which reuses the pid just the same.
    /// </summary>
    public async Task<bool> ReuseConnectingPidAsync()
    {
        var info = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add("take-pid");
        info.ArgumentList.Add(ConnectingPid.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(info)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = await process.StandardOutput.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        var ours = output.StartsWith("taken ", StringComparison.Ordinal);
        if (process.ExitCode != 0 || (ours && !Directory.Exists($"/proc/{ConnectingPid}")))
        {
            throw new InvalidOperationException($"could not start a process with pid {ConnectingPid}: {output} {await process.StandardError.ReadToEndAsync(CancellationToken.None)}");
        }

        if (ours)
        {
            _leftovers.Add(ConnectingPid);
        }

        return ours;
    }

    public ValueTask DisposeAsync()
    {
        if (!_connecting.HasExited)
        {
            _connecting.Kill();
        }

        _connecting.Dispose();
        foreach (var pid in _leftovers)
        {
            try
            {
                using var leftover = Process.GetProcessById(pid);
                leftover.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
            }
        }

        File.Delete(RelayPath);
        return ValueTask.CompletedTask;
    }
}
