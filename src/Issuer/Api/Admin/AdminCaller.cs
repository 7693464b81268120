using IdentityIssuer.Attestation.Unix;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>Names the admin caller for the issuance record by the kernel's peer credentials: <c>admin:uid:N</c>.</summary>
internal static class AdminCaller
{
    public static string Describe(HttpContext context)
    {
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is null || !OperatingSystem.IsLinux())
        {
            return "admin";
        }

        try
        {
            var peer = PeerCredentials.FromSocket(socket);
            return $"admin:uid:{peer.UserId}";
        }
        catch (System.Net.Sockets.SocketException)
        {
            return "admin";
        }
    }
}
