namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// One line of <c>/proc/&lt;pid&gt;/cgroup</c>: <c>hierarchy-id:controllers:path</c>. The cgroup v2
/// line is <c>0::/path</c>; a cgroup v1 line names its controllers (<c>memory</c>, <c>cpu,cpuacct</c>)
/// or, for systemd's own hierarchy, <c>name=systemd</c>.
/// </summary>
internal sealed record CgroupEntry(string HierarchyId, string Controllers, string Path)
{
    /// <summary>True for the unified (cgroup v2) hierarchy.</summary>
    public bool IsUnified => HierarchyId == "0" && Controllers.Length == 0;

    /// <summary>True for systemd's named cgroup v1 hierarchy.</summary>
    public bool IsSystemdNamed => Controllers == "name=systemd";

    /// <summary>Parses the file; lines that are not three colon-separated fields are skipped.</summary>
    public static IReadOnlyList<CgroupEntry> ParseFile(string text)
    {
        var entries = new List<CgroupEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var first = line.IndexOf(':', StringComparison.Ordinal);
            if (first < 0)
            {
                continue;
            }

            var second = line.IndexOf(':', first + 1);
            if (second < 0)
            {
                continue;
            }

            // The path is everything after the second colon; it may itself contain colons.
            var path = line[(second + 1)..];
            if (path.Length == 0 || path[0] != '/')
            {
                continue;
            }

            entries.Add(new CgroupEntry(line[..first], line[(first + 1)..second], path));
        }

        return entries;
    }
}
