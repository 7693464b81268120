using System.Globalization;
using System.Security.Cryptography;
using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Selectors from the kernel's view of a local process: <c>uid:</c>, <c>user:</c>, <c>gid:</c>,
/// <c>group:</c>, <c>supplementary_gid:</c>, <c>supplementary_group:</c> and, when enabled,
/// <c>path:</c> and <c>sha256:</c> of the running executable.
/// </summary>
/// <remarks>
/// <para>
/// Which uid: the one from the peer credentials of the connection (SO_PEERCRED), which the kernel
/// records as the <em>effective</em> uid and gid when the caller connected; the effective id is what
/// the kernel checks for access, and SPIRE's unix attestor uses it too. The real uid is not used:
/// a set-uid program run by a user would otherwise be attested as that user. The attestor checks
/// that /proc still shows the same effective ids, so a process that changed identity since it
/// connected (or a reused pid) fails rather than being attested as whoever it is now.
/// </para>
/// <para>
/// Every file is read between two reads of the process's start time, each compared with the start
/// time captured when the connection was accepted (<see cref="WorkloadProcess.StartTime"/>); if it
/// differs, the pid now names another process (the one that connected exited and its pid was reused)
/// and attestation fails rather than describing the newcomer.
/// </para>
/// </remarks>
public sealed class UnixWorkloadAttestor : IWorkloadAttestor
{
    private const int HashBufferSize = 81920;

    private readonly UnixWorkloadAttestorOptions _options;
    private readonly ProcFileSystem _proc;

    /// <summary>Creates the attestor.</summary>
    public UnixWorkloadAttestor(UnixWorkloadAttestorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _proc = new ProcFileSystem(options.ProcRoot);
    }

    /// <inheritdoc />
    public string Name => "unix";

    /// <inheritdoc />
    public async Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        var pid = process.ProcessId;
        await _proc.EnsureSameProcessAsync(pid, process.StartTime, cancellationToken);

        var statusText = await _proc.ReadTextAsync(pid, "status", cancellationToken);
        var status = ProcessStatus.Parse(statusText)
            ?? throw new WorkloadAttestationException($"process {pid}: cannot parse the Uid, Gid and Groups lines of {_proc.PathOf(pid, "status")}");
        if (status.EffectiveUserId != process.UserId || status.EffectiveGroupId != process.GroupId)
        {
            throw new WorkloadAttestationException(
                $"process {pid} connected as uid {process.UserId} gid {process.GroupId} but now runs as uid {status.EffectiveUserId} gid {status.EffectiveGroupId}; it must reconnect",
                callerChanged: true);
        }

        string? path = null;
        string? sha256 = null;
        if (_options.DiscoverWorkloadPath)
        {
            path = ReadExecutablePath(pid);
            if (_options.WorkloadSizeLimit >= 0)
            {
                sha256 = await HashExecutableAsync(pid, path, cancellationToken);
            }
        }

        await _proc.EnsureSameProcessAsync(pid, process.StartTime, cancellationToken);

        var accounts = await UnixAccountDatabase.LoadAsync(_options.PasswdPath, _options.GroupPath, cancellationToken);
        var selectors = new SelectorListBuilder(Name);
        selectors.Add($"uid:{Number(process.UserId)}");
        selectors.Add($"gid:{Number(process.GroupId)}");
        if (accounts.UserName(process.UserId) is { } user)
        {
            selectors.Add($"user:{user}");
        }

        if (accounts.GroupName(process.GroupId) is { } group)
        {
            selectors.Add($"group:{group}");
        }

        foreach (var gid in status.SupplementaryGroupIds)
        {
            selectors.Add($"supplementary_gid:{Number(gid)}");
            if (accounts.GroupName(gid) is { } name)
            {
                selectors.Add($"supplementary_group:{name}");
            }
        }

        if (path is not null)
        {
            selectors.Add($"path:{path}");
        }

        if (sha256 is not null)
        {
            selectors.Add($"sha256:{sha256}");
        }

        return selectors.Build();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    // The link names the file the process was started from, as seen from the agent's mount
    // namespace; " (deleted)" is appended by the kernel when that file has since been removed or
    // replaced, and is kept so that an entry for the path does not match a stale binary.
    private string ReadExecutablePath(int pid)
    {
        var link = _proc.PathOf(pid, "exe");
        string? target;
        try
        {
            target = new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkloadAttestationException($"process {pid}: cannot read the link {link}: {e.Message}", e);
        }

        if (string.IsNullOrEmpty(target) || target[0] != '/')
        {
            throw new WorkloadAttestationException($"process {pid}: {link} does not name an executable (a kernel thread, or the process exited)");
        }

        return target;
    }

    // Read through the exe link, not the path: the link opens the very file the process runs even
    // if the path now names a different file.
    private async Task<string> HashExecutableAsync(int pid, string path, CancellationToken cancellationToken)
    {
        var link = _proc.PathOf(pid, "exe");
        var limit = _options.WorkloadSizeLimit;
        try
        {
            await using var stream = new FileStream(link, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, useAsync: true);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[HashBufferSize];
            long total = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (limit > 0 && total > limit)
                {
                    throw new WorkloadAttestationException($"process {pid}: executable {path} is larger than the workload size limit of {limit} bytes");
                }

                hash.AppendData(buffer, 0, read);
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkloadAttestationException($"process {pid}: cannot read executable {path} through {link}: {e.Message}", e);
        }
    }
}
