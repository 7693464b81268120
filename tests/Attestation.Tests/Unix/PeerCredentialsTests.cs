using System.Net.Sockets;
using IdentityIssuer.Attestation.Unix;

namespace IdentityIssuer.Attestation.Tests.Unix;

public sealed class PeerCredentialsTests
{
    [Fact]
    public async Task FromSocket_OnAConnectedUnixSocket_ReportsTheConnectingProcess()
    {
        var path = Path.Combine("/tmp", "pc-" + Guid.NewGuid().ToString("N")[..10] + ".sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        try
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
            using var server = await listener.AcceptAsync();

            var peer = PeerCredentials.FromSocket(server);

            Assert.Equal(Environment.ProcessId, peer.ProcessId);
            Assert.Equal(ReadStatus("Uid"), peer.UserId);
            Assert.Equal(ReadStatus("Gid"), peer.GroupId);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromSocket_OnATcpSocket_IsRefused()
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        Assert.Throws<SocketException>(() => PeerCredentials.FromSocket(tcp));
    }

    private static int ReadStatus(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
