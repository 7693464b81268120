using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// <c>id:&lt;unit&gt;</c> for a process that runs in a systemd unit (<c>id:nginx.service</c>,
/// <c>id:session-4.scope</c>), read from the process's cgroup rather than asked of systemd over
/// D-Bus. A process in no unit (a host without systemd, a cgroup systemd does not manage) gets none.
/// </summary>
public sealed class SystemdWorkloadAttestor : IWorkloadAttestor
{
    private readonly ProcFileSystem _proc;

    /// <summary>Creates the attestor.</summary>
    public SystemdWorkloadAttestor(SystemdWorkloadAttestorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _proc = new ProcFileSystem(options.ProcRoot);
    }

    /// <inheritdoc />
    public string Name => "systemd";

    /// <inheritdoc />
    public async Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        var pid = process.ProcessId;
        await _proc.EnsureSameProcessAsync(pid, process.StartTime, cancellationToken);
        var cgroup = await _proc.ReadTextAsync(pid, "cgroup", cancellationToken);
        await _proc.EnsureSameProcessAsync(pid, process.StartTime, cancellationToken);

        var unit = SystemdUnitResolver.FromCgroupFile(CgroupEntry.ParseFile(cgroup));
        if (unit is null)
        {
            return [];
        }

        var selectors = new SelectorListBuilder(Name);
        selectors.Add($"id:{unit}");
        return selectors.Build();
    }
}
