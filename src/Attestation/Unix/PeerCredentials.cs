using System.Buffers.Binary;
using System.Net.Sockets;

namespace IdentityIssuer.Attestation.Unix;

/// <summary>
/// The kernel's word on who is at the other end of a Unix socket (SO_PEERCRED): process id, user id
/// and group id at the time the peer connected. Nothing the caller sends can change it.
/// </summary>
public sealed record PeerCredentials(int ProcessId, int UserId, int GroupId)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>Reads the peer credentials of a connected Unix-domain socket (Linux only).</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="SocketException">The socket is not a connected Unix socket.</exception>
    public static PeerCredentials FromSocket(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("peer credentials are read with SO_PEERCRED, which needs Linux");
        }

        if (socket.AddressFamily != AddressFamily.Unix)
        {
            throw new SocketException((int)SocketError.AddressFamilyNotSupported);
        }

        Span<byte> ucred = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length != 12)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }

        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(ucred[8..]));
    }
}
