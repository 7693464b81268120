using System.Net;
using System.Net.Sockets;

namespace IdentityIssuer.Tests.Common.Processes;

/// <summary>Loopback ports and short socket paths for tests that start listeners.</summary>
public static class FreePort
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A fresh temporary directory with a short path (Unix socket paths are limited to 107 bytes).</summary>
    public static string ShortTempDirectory()
    {
        var path = Path.Combine("/tmp", "ii-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }
}
