namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Pins a caller to one process: reads its start time when its connection is accepted, and checks
/// later that the pid still names that process (not one that reused the pid after it exited).
/// </summary>
public sealed class WorkloadProcessProbe
{
    private readonly ProcFileSystem _proc;

    /// <summary>Creates a probe over the proc file system at <paramref name="procRoot"/>.</summary>
    public WorkloadProcessProbe(string procRoot = ProcFileSystem.DefaultRoot)
    {
        _proc = new ProcFileSystem(procRoot);
    }

    /// <summary>
    /// The caller the kernel named (pid, uid and gid from its peer credentials) with its start time now.
    /// </summary>
    /// <exception cref="WorkloadAttestationException">The process is already gone (<see cref="WorkloadAttestationException.CallerChanged"/>) or its stat file is unreadable.</exception>
    public async Task<WorkloadProcess> CaptureAsync(int processId, int userId, int groupId, CancellationToken cancellationToken)
    {
        var startTime = await _proc.ReadStartTimeAsync(processId, cancellationToken);
        return new WorkloadProcess(processId, userId, groupId, startTime);
    }

    /// <summary>Fails, with <see cref="WorkloadAttestationException.CallerChanged"/>, unless the pid still has the captured start time.</summary>
    public Task EnsureSameProcessAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        return _proc.EnsureSameProcessAsync(process.ProcessId, process.StartTime, cancellationToken);
    }
}
