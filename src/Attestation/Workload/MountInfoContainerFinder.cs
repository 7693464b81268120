namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Finds a Docker container from the process's mounts when its cgroup does not say (the agent sees
/// the process through a cgroup namespace, so its path is <c>/</c>). Docker bind-mounts
/// <c>&lt;data-root&gt;/containers/&lt;id&gt;/hostname</c> onto the container's <c>/etc/hostname</c>.
/// </summary>
/// <remarks>
/// The root of a mount in mountinfo is a path within its file system, and anyone who may mount a
/// file system (in a user namespace) chooses those paths. So the mount only counts if it is on the
/// same device as the agent's own view of the Docker data root and at the path that data root has
/// on that device: files there are writable by root alone.
/// </remarks>
internal static class MountInfoContainerFinder
{
    private const int ContainerIdLength = 64;

    /// <summary>The container id, or null when the process has no Docker-managed /etc/hostname.</summary>
    public static string? Find(string workloadMountInfo, string agentMountInfo, string dataRoot)
    {
        var containers = dataRoot.TrimEnd('/') + "/containers";
        var home = LocateOnDevice(agentMountInfo, containers);
        if (home is null)
        {
            return null;
        }

        var (device, rootOnDevice) = home.Value;
        string? found = null;
        foreach (var mount in Mounts(workloadMountInfo))
        {
            if (mount.MountPoint != "/etc/hostname" || mount.Device != device)
            {
                continue;
            }

            var prefix = rootOnDevice.TrimEnd('/') + "/";
            const string Suffix = "/hostname";
            var root = mount.Root;
            if (!root.StartsWith(prefix, StringComparison.Ordinal) || !root.EndsWith(Suffix, StringComparison.Ordinal))
            {
                continue;
            }

            var id = root[prefix.Length..^Suffix.Length];
            if (id.Length == ContainerIdLength && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
            {
                found = id;
            }
        }

        return found;
    }

    // Which device holds the path, and where on that device it is: the last-mounted, longest
    // mount point that contains the path.
    private static (string Device, string RootOnDevice)? LocateOnDevice(string mountInfo, string path)
    {
        (string Device, string Root, string MountPoint)? best = null;
        foreach (var mount in Mounts(mountInfo))
        {
            var point = mount.MountPoint;
            var contains = point == "/" || path == point || path.StartsWith(point + "/", StringComparison.Ordinal);
            if (contains && (best is null || point.Length >= best.Value.MountPoint.Length))
            {
                best = (mount.Device, mount.Root, point);
            }
        }

        if (best is null)
        {
            return null;
        }

        var (device, root, mountPoint) = best.Value;
        var rest = mountPoint == "/" ? path : path[mountPoint.Length..];
        return (device, root.TrimEnd('/') + rest);
    }

    // mountinfo: id parent major:minor root mount-point options [optional...] - fstype source super-options
    private static IEnumerable<(string Device, string Root, string MountPoint)> Mounts(string mountInfo)
    {
        foreach (var line in mountInfo.Split('\n'))
        {
            var fields = line.Split(' ');
            if (fields.Length >= 5)
            {
                yield return (fields[2], Unescape(fields[3]), Unescape(fields[4]));
            }
        }
    }

    // The kernel writes space, tab, newline and backslash in paths as \ooo octal escapes.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var sb = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
