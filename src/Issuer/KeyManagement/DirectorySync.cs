using System.Runtime.InteropServices;
using System.Text;

namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Flushes a directory entry to disk (fsync on the directory) so a file created or renamed in it
/// survives a power cut. .NET has no API for this on Unix, so it calls libc directly.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY on Linux and macOS

    /// <summary>
    /// Best effort: a rename that is lost in a crash leaves the previous, complete file in place,
    /// so failing here costs durability of the latest change, never consistency.
    /// Returns whether the directory was flushed.
    /// </summary>
    public static bool Flush(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
        {
            return false; // Windows: rename is journaled by NTFS and there is no directory handle to flush.
        }

        var path = Encoding.UTF8.GetBytes(directory + "\0");
        try
        {
            var fd = Open(path, ReadOnly);
            if (fd < 0)
            {
                return false;
            }

            try
            {
                return FSync(fd) == 0;
            }
            finally
            {
                _ = Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not a libc platform; see the remark above.
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
