using IdentityIssuer.Issuer.Api;
using IdentityIssuer.Issuer.Api.Admin;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Shared;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Hosting;

/// <summary>
/// Where the admin socket lives, its directory (checked before anything is bound), clearing a stale
/// socket file left by a crash, and its mode (set between bind and listen).
/// </summary>
internal static class AdminSocket
{
    /// <summary>The configured path, or <c>&lt;DataDirectory&gt;/admin.sock</c>.</summary>
    public static string PathFor(AdminApiOptions admin, IssuerOptions issuer) =>
        System.IO.Path.GetFullPath(admin.SocketPath.Length > 0 ? admin.SocketPath : System.IO.Path.Combine(issuer.DataDirectory, "admin.sock"));

    /// <summary>
    /// Creates a missing directory (0700); tightens an existing one that others can write to, or refuses
    /// to start when it cannot (see <see cref="UnixListenSocket.SecureDirectory"/>). Removes a socket file
    /// nobody listens on (left by a crash). Refuses to start when another issuer is listening on it,
    /// rather than stealing its socket.
    /// </summary>
    public static void PrepareForListen(string path, ILogger logger)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        UnixListenSocket.SecureDirectory(path, "admin socket", "AdminApi:SocketPath", logger);
        Attestation.Unix.StaleSocket.Reclaim(path, "admin socket", "an issuer");
    }

    /// <summary>
    /// Sets the configured mode (<c>AdminApi:SocketMode</c>) on the socket right after Kestrel binds it
    /// and before it listens, so no connection is ever accepted under the umask's mode.
    /// </summary>
    public static void SetModeBeforeListen(SocketTransportOptions transport, string path, AdminApiOptions admin) =>
        // An unparsable mode never gets this far: the options are validated before the host starts.
        UnixListenSocket.SetModeBeforeListen(transport, path, ListenerOptionsValidator.TryParseMode(admin.SocketMode, out var mode)
            ? mode
            : UnixFileMode.UserRead | UnixFileMode.UserWrite);
}
