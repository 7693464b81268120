using System.Net.Sockets;

namespace IdentityIssuer.Shared;

/// <summary>Compiled into each CLI (linked source): an HTTP handler whose every connection goes to one Unix socket (an admin API).</summary>
internal static class UnixSocketHttp
{
    public static SocketsHttpHandler CreateHandler(string socketPath) => new()
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
