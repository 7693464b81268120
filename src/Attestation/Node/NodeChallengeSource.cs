using System.Net;
using System.Net.Sockets;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// The source a challenge is counted against: the caller's IPv4 address, or the /64 network of an IPv6
/// address (one host usually holds a whole /64, so counting single IPv6 addresses would bound nothing).
/// </summary>
public static class NodeChallengeSource
{
    /// <summary>The source key for <paramref name="address"/>; <c>unknown</c> when the transport gives none.</summary>
    public static string For(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
