using System.Diagnostics;
using System.Globalization;

namespace IdentityIssuer.Bench.WorkloadApiBench;

/// <summary>
/// One of the product's executables started by the benchmark: its output goes to a log file, a
/// caller may watch each line, and disposing it kills it (and anything it started).
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private readonly Action<string>? _onLine;
    private bool _closed;

    private ChildProcess(Process process, StreamWriter log, Action<string>? onLine)
    {
        _process = process;
        _log = log;
        _onLine = onLine;
    }

    public int Id => _process.Id;

    public string Name { get; private init; } = string.Empty;

    public string LogPath { get; private init; } = string.Empty;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <paramref name="name"/> from <paramref name="binDirectory"/>: its apphost when there is
    /// one, else <c>dotnet name.dll</c>.
    /// </summary>
    public static ChildProcess Start(string binDirectory, string name, IEnumerable<string> arguments, string logPath,
        IReadOnlyDictionary<string, string>? environment = null, Action<string>? onLine = null)
    {
        var apphost = Path.Combine(binDirectory, name);
        var start = File.Exists(apphost)
            ? new ProcessStartInfo(apphost)
            : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(binDirectory, name + ".dll") } };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.WorkingDirectory = Path.GetDirectoryName(logPath)!;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, log, onLine) { Name = name, LogPath = logPath };
        process.OutputDataReceived += (_, e) => child.Write(e.Data);
        process.ErrorDataReceived += (_, e) => child.Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The process's memory from /proc/PID/status, in KiB: VmRSS and VmHWM (peak RSS).</summary>
    public (long RssKiB, long HwmKiB) Memory()
    {
        long rss = -1, hwm = -1;
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = KiB(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = KiB(line);
            }
        }

        return (rss, hwm);
    }

    /// <summary>The last lines of the log, to explain a failed start.</summary>
    public string Tail(int lines)
    {
        lock (_logLock)
        {
            if (!_closed)
            {
                _log.Flush();
            }
        }

        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }

        _process.Dispose();
        lock (_logLock)
        {
            _closed = true;
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }

        _onLine?.Invoke(line);
    }

    private static long KiB(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1;
    }
}
