using System.Globalization;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Reads a process's files under a proc root (normally <c>/proc</c>) and turns "the process is gone"
/// and "cannot read" into <see cref="WorkloadAttestationException"/>s that name the process and the file.
/// </summary>
internal sealed class ProcFileSystem
{
    /// <summary>The default proc root.</summary>
    public const string DefaultRoot = "/proc";

    public ProcFileSystem(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = root;
    }

    public string Root { get; }

    public string PathOf(int processId, string name) =>
        Path.Combine(Root, processId.ToString(CultureInfo.InvariantCulture), name);

    public async Task<string> ReadTextAsync(int processId, string name, CancellationToken cancellationToken)
    {
        var path = PathOf(processId, name);
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(processId, path, e);
        }
    }

    /// <summary>
    /// The process's start time in clock ticks since boot (field 22 of <c>stat</c>). Together with the
    /// pid it names one process for the life of the machine: a reused pid has a later start time.
    /// </summary>
    public async Task<ulong> ReadStartTimeAsync(int processId, CancellationToken cancellationToken)
    {
        var stat = await ReadTextAsync(processId, "stat", cancellationToken);
        if (!TryParseStartTime(stat, out var startTime))
        {
            throw new WorkloadAttestationException($"process {processId}: cannot parse {PathOf(processId, "stat")}");
        }

        return startTime;
    }

    /// <summary>
    /// Fails, with <see cref="WorkloadAttestationException.CallerChanged"/>, unless the pid still names
    /// the process that connected: the one that had <paramref name="startTime"/> when its connection was accepted.
    /// </summary>
    public async Task EnsureSameProcessAsync(int processId, ulong startTime, CancellationToken cancellationToken)
    {
        ulong now;
        try
        {
            now = await ReadStartTimeAsync(processId, cancellationToken);
        }
        catch (WorkloadAttestationException e)
        {
            throw new WorkloadAttestationException($"process {processId} that connected has exited", callerChanged: true, e);
        }

        if (now != startTime)
        {
            throw new WorkloadAttestationException(
                $"process {processId} is not the process that connected (start time {startTime} at connect, now {now}): the pid was reused",
                callerChanged: true);
        }
    }

    // The command name (field 2) is in parentheses and may itself contain spaces and ')', so fields
    // are counted from the last ')'. The state that follows it is field 3.
    internal static bool TryParseStartTime(string stat, out ulong startTime)
    {
        startTime = 0;
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int StartTimeField = 22;
        const int FirstFieldAfterName = 3;
        var index = StartTimeField - FirstFieldAfterName;
        return fields.Length > index
            && ulong.TryParse(fields[index], NumberStyles.None, CultureInfo.InvariantCulture, out startTime);
    }

    private static WorkloadAttestationException Unreadable(int processId, string path, Exception e) =>
        e is FileNotFoundException or DirectoryNotFoundException
            ? new WorkloadAttestationException($"process {processId} does not exist (no {path}); it may have exited", callerChanged: true, e)
            : new WorkloadAttestationException($"process {processId}: cannot read {path}: {e.Message}", e);
}
