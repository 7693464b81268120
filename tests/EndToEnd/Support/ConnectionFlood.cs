using System.Globalization;
using System.Net.Sockets;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// Many idle connections to a Unix socket, opened by the test process as a hostile local user would
/// open them: connect and send nothing. Tells how many the server has closed (end of stream or reset)
/// and closes the rest when disposed.
/// </summary>
public sealed class ConnectionFlood : IDisposable
{
    private readonly List<Socket> _sockets;
    private readonly bool[] _closed;
    private readonly byte[] _drain = new byte[4096];

    private ConnectionFlood(List<Socket> sockets, int retried)
    {
        _sockets = sockets;
        _closed = new bool[sockets.Count];
        Retried = retried;
    }

    /// <summary>How many connections were opened.</summary>
    public int Opened => _sockets.Count;

    /// <summary>How many connects were refused with EAGAIN (a full listen backlog) and tried again.</summary>
    public int Retried { get; }

    /// <summary>
    /// Opens <paramref name="count"/> connections to <paramref name="socketPath"/>, one after another.
    /// A connect refused with EAGAIN (the listen backlog is full while the server catches up) is tried
    /// again after a short pause; <paramref name="cancellationToken"/> bounds the whole flood.
    /// </summary>
    public static async Task<ConnectionFlood> OpenAsync(string socketPath, int count, CancellationToken cancellationToken)
    {
        var sockets = new List<Socket>(count);
        var endpoint = new UnixDomainSocketEndPoint(socketPath);
        var retried = 0;
        try
        {
            while (sockets.Count < count)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain)
                {
                    socket.Dispose();
                    retried++;
                    await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
                    continue;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                sockets.Add(socket);
            }
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            throw;
        }

        return new ConnectionFlood(sockets, retried);
    }

    /// <summary>How many connections the server has not closed.</summary>
    public int CountOpen()
    {
        var open = 0;
        for (var i = 0; i < _sockets.Count; i++)
        {
            if (!_closed[i] && HasClosed(_sockets[i]))
            {
                _closed[i] = true;
            }

            if (!_closed[i])
            {
                open++;
            }
        }

        return open;
    }

    /// <summary>Waits (bounded) until at most <paramref name="bound"/> connections are open; returns the last count.</summary>
    public async Task<int> WaitUntilAtMostOpenAsync(int bound, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int open;
        while ((open = CountOpen()) > bound && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        return open;
    }

    /// <summary>
    /// Whether the server has closed <paramref name="socket"/>: drains what it sent (an HTTP/2 server
    /// may send SETTINGS and GOAWAY before closing), then an end of stream or a reset means closed.
    /// Never blocks: it reads only while the socket is readable.
    /// </summary>
    private bool HasClosed(Socket socket)
    {
        while (true)
        {
            if (socket.Poll(0, SelectMode.SelectError))
            {
                return true;
            }

            if (!socket.Poll(0, SelectMode.SelectRead))
            {
                return false;
            }

            try
            {
                if (socket.Receive(_drain, SocketFlags.None) == 0)
                {
                    return true;
                }
            }
            catch (SocketException)
            {
                return true;
            }
        }
    }

    /// <summary>Closes every connection.</summary>
    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }

    /// <summary>The resident set size of process <paramref name="pid"/> in MiB (VmRSS in /proc/PID/status).</summary>
    public static long ResidentMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kib / 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS line");
    }
}
