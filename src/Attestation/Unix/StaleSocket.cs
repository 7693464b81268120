using System.Net.Sockets;

namespace IdentityIssuer.Attestation.Unix;

/// <summary>A Unix socket file left behind by a crashed server, told apart from one a live server listens on.</summary>
public static class StaleSocket
{
    /// <summary>
    /// Removes the socket file at <paramref name="path"/> when nothing listens on it; throws
    /// <see cref="InvalidOperationException"/> naming the socket when another process does, rather
    /// than stealing a running server's socket. Does nothing when there is no file.
    /// </summary>
    /// <param name="path">The socket path.</param>
    /// <param name="what">What the socket is, for the message: "admin socket", "Workload API socket".</param>
    /// <param name="owner">Who would be listening: "an issuer", "an agent".</param>
    public static void Reclaim(string path, string what, string owner)
    {
        if (!File.Exists(path))
        {
            return;
        }

        if ((File.GetAttributes(path) & FileAttributes.Directory) != 0)
        {
            throw new InvalidOperationException($"the {what} path {path} is a directory");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }

        throw new InvalidOperationException($"another process is listening on the {what} {path}; is {owner} already running?");
    }
}
