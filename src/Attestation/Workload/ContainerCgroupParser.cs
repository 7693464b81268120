using System.Text.RegularExpressions;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Recognises the cgroup paths container runtimes create, for every cgroup driver:
/// <list type="bullet">
/// <item>Docker, cgroupfs driver: <c>/docker/&lt;id&gt;</c> (v1 and v2).</item>
/// <item>Docker, systemd driver: <c>/system.slice/docker-&lt;id&gt;.scope</c>.</item>
/// <item>Kubernetes, cgroupfs driver (docker, containerd, CRI-O): <c>/kubepods[/burstable|/besteffort]/pod&lt;uid&gt;/&lt;id&gt;</c>, <c>…/crio-&lt;id&gt;</c>.</item>
/// <item>Kubernetes, systemd driver: <c>/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod&lt;uid_with_underscores&gt;.slice/cri-containerd-&lt;id&gt;.scope</c>
/// (also <c>docker-</c> and <c>crio-</c>), possibly below a prefix such as kind's <c>/kubelet.slice/kubelet-kubepods.slice/…</c>.</item>
/// </list>
/// The forms are anchored rather than "any 64 hex digits anywhere": below a delegated cgroup (a
/// user's <c>user@UID.service</c>, any service with Delegate=yes) a process may name sub-cgroups as it
/// likes, and must not be able to pose as another container by calling one <c>docker-&lt;id&gt;.scope</c>.
/// </summary>
internal static partial class ContainerCgroupParser
{
    /// <summary>
    /// The container named by the process's cgroup lines, or null when no line names one. Lines
    /// naming different containers (which no runtime produces) fail attestation.
    /// </summary>
    public static ContainerCgroup? FromCgroupFile(int processId, IReadOnlyList<CgroupEntry> entries)
    {
        ContainerCgroup? found = null;
        foreach (var entry in entries)
        {
            var match = FromPath(entry.Path);
            if (match is null)
            {
                continue;
            }

            if (found is not null && found != match)
            {
                throw new WorkloadAttestationException(
                    $"process {processId}: its cgroups name two containers ({found.ContainerId} and {match.ContainerId}); refusing to choose");
            }

            found = match;
        }

        return found;
    }

    /// <summary>The container one cgroup path names, or null.</summary>
    public static ContainerCgroup? FromPath(string path)
    {
        var components = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (components.Length < 2 || components[0] == "user.slice")
        {
            return null;
        }

        if (components[0] == "docker" && ContainerIdPattern().IsMatch(components[1]))
        {
            return new ContainerCgroup(components[1], null);
        }

        if (components[0] == "system.slice" && DockerScopePattern().Match(components[1]) is { Success: true } scope)
        {
            return new ContainerCgroup(scope.Groups[1].Value, null);
        }

        return FromKubernetesPath(components);
    }

    // Every component above the pod's must be one the kubelet or systemd made: slices (only the
    // system manager creates those outside delegated subtrees, which sit below a .service or .scope),
    // the cgroupfs root "kubepods" and its QoS classes.
    private static ContainerCgroup? FromKubernetesPath(string[] components)
    {
        var seenKubepods = false;
        for (var i = 0; i < components.Length - 1; i++)
        {
            var component = components[i];
            string? podUid = null;
            if (seenKubepods && CgroupfsPodPattern().Match(component) is { Success: true } cgroupfs)
            {
                podUid = cgroupfs.Groups[1].Value;
            }
            else if (SystemdPodPattern().Match(component) is { Success: true } systemd)
            {
                podUid = systemd.Groups[1].Value.Replace('_', '-');
            }

            if (podUid is not null)
            {
                var container = KubernetesContainerPattern().Match(components[i + 1]);
                return container.Success ? new ContainerCgroup(container.Groups["id"].Value, podUid) : null;
            }

            if (component == "kubepods" || KubepodsSlicePattern().IsMatch(component))
            {
                seenKubepods = true;
            }
            else if (!component.EndsWith(".slice", StringComparison.Ordinal) && !(seenKubepods && component is "burstable" or "besteffort"))
            {
                return null;
            }
        }

        return null;
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex ContainerIdPattern();

    [GeneratedRegex("^docker-([0-9a-f]{64})\\.scope$")]
    private static partial Regex DockerScopePattern();

    [GeneratedRegex("^(?:[a-z0-9]+-)*kubepods(?:-[a-z]+)?\\.slice$")]
    private static partial Regex KubepodsSlicePattern();

    // A pod UID is a UUID; a static pod's is the 32-hex hash of its manifest.
    [GeneratedRegex("^pod([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$")]
    private static partial Regex CgroupfsPodPattern();

    [GeneratedRegex("^(?:[a-z0-9]+-)*kubepods(?:-[a-z]+)?-pod([0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}|[0-9a-f]{32})\\.slice$")]
    private static partial Regex SystemdPodPattern();

    [GeneratedRegex("^(?:(?<id>[0-9a-f]{64})|(?:docker|cri-containerd|crio)-(?<id>[0-9a-f]{64})\\.scope|crio-(?<id>[0-9a-f]{64}))$")]
    private static partial Regex KubernetesContainerPattern();
}
