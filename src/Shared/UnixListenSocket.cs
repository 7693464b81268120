using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Shared;

/// <summary>
/// Compiled into each service (linked source): a Unix socket that Kestrel listens on, with its mode set
/// between bind and listen (no connection can be made before the mode is in force), and a check of
/// the directory it lives in (anyone who can write there can replace the socket).
/// </summary>
internal static partial class UnixListenSocket
{
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>
    /// Makes Kestrel's socket transport set <paramref name="mode"/> on the socket at
    /// <paramref name="socketPath"/> right after bind, before listen. Other endpoints are bound as before;
    /// each call wraps the previous factory, so several sockets can each get their own mode.
    /// </summary>
    public static void SetModeBeforeListen(SocketTransportOptions transport, string socketPath, UnixFileMode mode)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var createDefault = transport.CreateBoundListenSocket;
        transport.CreateBoundListenSocket = endpoint =>
            endpoint is UnixDomainSocketEndPoint uds && string.Equals(uds.ToString(), socketPath, StringComparison.Ordinal)
                ? CreateBoundSocket(uds, createDefault, mode)
                : createDefault(endpoint);
    }

    /// <summary>Binds a listen socket with <paramref name="createDefault"/> (as Kestrel does) and sets its mode before anyone can connect.</summary>
    public static Socket CreateBoundSocket(UnixDomainSocketEndPoint endpoint, Func<EndPoint, Socket> createDefault, UnixFileMode mode)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(createDefault);
        var socket = createDefault(endpoint);
        try
        {
            File.SetUnixFileMode(endpoint.ToString(), mode);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }

    /// <summary>
    /// Checks the existing directory that will hold the socket at <paramref name="socketPath"/>. A directory
    /// only its owner can write to is left alone. One that its group or every user can write to is
    /// tightened (group and other write removed, logged) when this process's user owns it; the start is
    /// refused when another user owns it, or when it is a shared directory with the sticky bit (like /tmp),
    /// which is never changed.
    /// </summary>
    /// <param name="socketPath">The full socket path.</param>
    /// <param name="what">What the socket is, for messages: "admin socket".</param>
    /// <param name="setting">The setting that names the socket path, for messages: "AdminApi:SocketPath".</param>
    /// <param name="logger">Where a tightened directory is reported.</param>
    /// <exception cref="InvalidOperationException">The directory cannot be made safe; the message says why and what to do.</exception>
    public static void SecureDirectory(string socketPath, string what, string setting, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var directory = Path.GetDirectoryName(socketPath) ?? throw new InvalidOperationException($"the {what} path {socketPath} has no directory");
        var (mode, owner) = Stat(directory);
        var self = GetEUid();
        switch (Judge(mode, owner, self))
        {
            case DirectoryVerdict.Safe:
                return;
            case DirectoryVerdict.Tighten:
                var tightened = mode & ~WritableByOthers;
                File.SetUnixFileMode(directory, tightened);
                LogTightened(logger, directory, what, Octal(mode), Octal(tightened));
                return;
            case DirectoryVerdict.RefuseShared:
                throw new InvalidOperationException(
                    $"the directory {directory} of the {what} ({setting}) is a shared directory (mode {Octal(mode)}, sticky and writable by other users): another user could put their own socket there first; use a directory only this user can write to");
            case DirectoryVerdict.RefuseNotOwned:
                throw new InvalidOperationException(
                    $"the directory {directory} of the {what} ({setting}) is writable by other users (mode {Octal(mode)}) and belongs to uid {owner}, not to this process's uid {self}: another user could replace the socket; use a directory only this user can write to, or have its owner run 'chmod go-w {directory}'");
            default:
                throw new InvalidOperationException($"the directory {directory} of the {what} could not be checked");
        }
    }

    /// <summary>What to do with the socket's directory, from its mode, its owner and this process's user.</summary>
    internal static DirectoryVerdict Judge(UnixFileMode mode, uint owner, uint self)
    {
        if ((mode & WritableByOthers) == 0)
        {
            return DirectoryVerdict.Safe;
        }

        if ((mode & UnixFileMode.StickyBit) != 0)
        {
            return DirectoryVerdict.RefuseShared;
        }

        return owner == self ? DirectoryVerdict.Tighten : DirectoryVerdict.RefuseNotOwned;
    }

    /// <summary>An octal mode as the operator writes it: 0755, 1777.</summary>
    internal static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');

    private static (UnixFileMode Mode, uint Owner) Stat(string path)
    {
        // statx's layout is the same on every Linux architecture (unlike struct stat).
        var buffer = new byte[256];
        var native = Encoding.UTF8.GetBytes(path + "\0");
        if (StatX(AtFdCwd, native, 0, StatXMode | StatXUid, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"cannot read the owner and mode of {path} (errno {errno})");
        }

        var owner = BitConverter.ToUInt32(buffer, 20);
        var mode = (UnixFileMode)(BitConverter.ToUInt16(buffer, 28) & 0xFFF);
        return (mode, owner);
    }

    private const int AtFdCwd = -100;
    private const uint StatXMode = 0x2;
    private const uint StatXUid = 0x8;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int StatX(int dirFd, byte[] path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEUid();

    [LoggerMessage(EventId = 9000, Level = LogLevel.Warning, Message = "The directory {Directory} of the {What} was writable by other users (mode {OldMode}); changed it to {NewMode}")]
    private static partial void LogTightened(ILogger logger, string directory, string what, string oldMode, string newMode);

    /// <summary>What <see cref="SecureDirectory"/> does with a socket's directory.</summary>
    internal enum DirectoryVerdict
    {
        /// <summary>Not decided; never returned.</summary>
        Unspecified = 0,

        /// <summary>Only its owner can write to it.</summary>
        Safe,

        /// <summary>Others can write to it and this process's user owns it: remove group and other write.</summary>
        Tighten,

        /// <summary>A sticky, shared directory like /tmp: never changed, the start is refused.</summary>
        RefuseShared,

        /// <summary>Others can write to it and another user owns it: the start is refused.</summary>
        RefuseNotOwned,
    }
}
