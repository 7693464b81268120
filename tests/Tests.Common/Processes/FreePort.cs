using System.Net;
using System.Net.Sockets;

namespace IdentityIssuer.Tests.Common.Processes;

/// <summary>Loopback ports and short socket paths for tests that start listeners.</summary>
public static class FreePort
{
    // Below the kernel's ephemeral range (32768–60999 by default), so the outgoing connections that
    // parallel tests make all the time can never take a port between our check and the server's bind.
    private const int LowestPort = 20000;
    private const int HighestPort = 32767;

    // Ports handed out in this process: a test that stops and restarts a server on its port (an issuer
    // outage, a restart) must not find that port handed to a parallel test in between.
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A TCP port on 127.0.0.1 that was free a moment ago, chosen outside the ephemeral range and never
    /// handed out before in this process.
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(LowestPort, HighestPort + 1);
            lock (HandedOut)
            {
                if (!HandedOut.Add(port))
                {
                    continue;
                }
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken; try another.
            }
        }

        throw new InvalidOperationException($"no free loopback port between {LowestPort} and {HighestPort}");
    }

    /// <summary>A fresh temporary directory with a short path (Unix socket paths are limited to 107 bytes).</summary>
    public static string ShortTempDirectory()
    {
        var path = Path.Combine("/tmp", "ii-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }
}
