using System.Net.Sockets;
using IdentityIssuer.Attestation.Unix;
using IdentityIssuer.Attestation.Workload;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// The Workload API's Unix socket: its directory (created world-readable, 0755), clearing a stale
/// socket file, the world-writable socket mode (0777), and the connection middleware that bounds
/// connections per caller uid and in total and records the caller's peer credentials and start time.
/// </summary>
internal static class WorkloadApiSocket
{
    // The pid in SO_PEERCRED is in the agent's pid namespace, so the agent's own /proc describes it.
    private static readonly WorkloadProcessProbe Probe = new();

    public const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public const UnixFileMode SocketMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Creates the missing directories of <paramref name="path"/> with mode 0755 (existing ones are left
    /// as the operator made them) and removes a socket file nobody listens on. Refuses to take over a
    /// socket another process is serving.
    /// </summary>
    public static void PrepareForListen(string path)
    {
        var directory = Path.GetDirectoryName(path) ?? throw new InvalidOperationException($"socket path '{path}' has no directory");
        CreateDirectories(directory);
        Attestation.Unix.StaleSocket.Reclaim(path, "Workload API socket", "an agent");
    }

    /// <summary>
    /// Kestrel connection middleware: reads SO_PEERCRED from the accepted socket, takes a place for the
    /// caller's uid from <paramref name="limiter"/> (a connection over a bound is closed at once, before
    /// any HTTP/2 state exists for it), then reads the peer process's start time and attaches both;
    /// every later attestation on the connection must find the pid with that start time. A connection
    /// whose credentials or start time cannot be read (the process already exited) is closed at once
    /// (fail closed).
    /// </summary>
    public static ConnectionDelegate CapturePeerCredentials(ConnectionDelegate next, WorkloadConnectionLimiter limiter) => async connection =>
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        PeerCredentials credentials;
        try
        {
            credentials = socket is not null
                ? PeerCredentials.FromSocket(socket)
                : throw new InvalidOperationException("the connection exposes no socket");
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException or PlatformNotSupportedException)
        {
            connection.Abort(new ConnectionAbortedException("peer credentials unavailable", e));
            return;
        }

        using var place = limiter.TryEnter(credentials.UserId);
        if (place is null)
        {
            connection.Abort(new ConnectionAbortedException("Workload API connection bound reached"));
            return;
        }

        WorkloadProcess process;
        try
        {
            process = await Probe.CaptureAsync(credentials.ProcessId, credentials.UserId, credentials.GroupId, connection.ConnectionClosed);
        }
        catch (Exception e) when (e is InvalidOperationException or WorkloadAttestationException or OperationCanceledException)
        {
            connection.Abort(new ConnectionAbortedException("peer credentials unavailable", e));
            return;
        }

        connection.Features.Set(new WorkloadCallerFeature(process));
        await next(connection);
    };

    private static void CreateDirectories(string directory)
    {
        var missing = new Stack<string>();
        for (var current = directory; !string.IsNullOrEmpty(current) && !Directory.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing.Push(current);
        }

        while (missing.TryPop(out var next))
        {
            Directory.CreateDirectory(next);
            File.SetUnixFileMode(next, DirectoryMode); // not left to the umask
        }
    }
}
