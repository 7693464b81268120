using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>Finds the systemd unit a process belongs to from its cgroup path.</summary>
internal static class SystemdUnitResolver
{
    private static readonly string[] ProcessUnitSuffixes = [".service", ".scope", ".socket", ".mount"];

    /// <summary>
    /// The unit of the systemd hierarchy's path: the v1 <c>name=systemd</c> line if there is one
    /// (v1 and hybrid hosts), else the v2 <c>0::</c> line. Null when the process is in no unit.
    /// </summary>
    public static string? FromCgroupFile(IReadOnlyList<CgroupEntry> entries)
    {
        var entry = entries.FirstOrDefault(e => e.IsSystemdNamed) ?? entries.FirstOrDefault(e => e.IsUnified);
        return entry is null ? null : FromPath(entry.Path);
    }

    /// <summary>
    /// systemd places a unit's processes at <c>/&lt;slice&gt;/…/&lt;unit&gt;</c>, slices nesting from
    /// the root. The unit is the first component after the leading slices — not the last component:
    /// below a unit's own cgroup, names are chosen by whoever the unit delegates to (a container
    /// runtime, a user's own service manager, any service with Delegate=yes), so a user could name a
    /// sub-cgroup <c>nginx.service</c>. This is how systemd itself maps a cgroup to its unit, and
    /// why a user's own services are attested as <c>user@UID.service</c>.
    /// </summary>
    public static string? FromPath(string path)
    {
        foreach (var component in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (component.EndsWith(".slice", StringComparison.Ordinal))
            {
                continue;
            }

            return IsProcessUnit(component) ? component : null;
        }

        return null;
    }

    private static bool IsProcessUnit(string name) =>
        ProcessUnitSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal) && name.Length > s.Length)
        && Selector.TryParse($"systemd:id:{name}", out var selector, out _)
        && SelectorShapes.Check(selector) is null;
}
