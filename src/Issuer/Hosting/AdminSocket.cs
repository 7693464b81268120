using IdentityIssuer.Issuer.Api;
using IdentityIssuer.Issuer.Api.Admin;
using IdentityIssuer.Issuer.Configuration;

namespace IdentityIssuer.Issuer.Hosting;

/// <summary>Where the admin socket lives, clearing a stale socket file left by a crash, and setting its mode.</summary>
internal static class AdminSocket
{
    /// <summary>The configured path, or <c>&lt;DataDirectory&gt;/admin.sock</c>.</summary>
    public static string PathFor(AdminApiOptions admin, IssuerOptions issuer) =>
        System.IO.Path.GetFullPath(admin.SocketPath.Length > 0 ? admin.SocketPath : System.IO.Path.Combine(issuer.DataDirectory, "admin.sock"));

    /// <summary>
    /// Removes a socket file nobody listens on (left by a crash). Refuses to start when another
    /// issuer is listening on it, rather than stealing its socket.
    /// </summary>
    public static void PrepareForListen(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Attestation.Unix.StaleSocket.Reclaim(path, "admin socket", "an issuer");
    }

    /// <summary>Applies the configured mode once the socket exists.</summary>
    public static void ApplyMode(string path, AdminApiOptions admin)
    {
        if (ListenerOptionsValidator.TryParseMode(admin.SocketMode, out var mode))
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
