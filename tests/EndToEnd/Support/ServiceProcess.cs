using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// What the issuer and agent fixtures share: one long-running child process at a time, everything it
/// prints kept in <see cref="Log"/> (across restarts), SIGTERM to stop as a service manager would,
/// SIGKILL to simulate a crash, and bounded waits on the log and on a health command.
/// </summary>
public abstract class ServiceProcess
{
    /// <summary>The longest a start may take before the test fails with the log.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The longest a SIGTERM may take to stop the process.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly StringBuilder _log = new();

    /// <summary>A name for logs and failure messages (e.g. "issuer", "agent", "second agent").</summary>
    public abstract string Name { get; }

    /// <summary>Everything the process printed so far (stdout and stderr, line by line, across restarts).</summary>
    public string Log
    {
        get
        {
            lock (_gate)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Where the log ends now; pass it to <see cref="LogSince"/> later.</summary>
    public int LogMark
    {
        get
        {
            lock (_gate)
            {
                return _log.Length;
            }
        }
    }

    /// <summary>True once the last started process has exited.</summary>
    public bool HasExited => Current is { HasExited: true };

    /// <summary>The process id while running.</summary>
    public int? ProcessId => Current is { HasExited: false } p ? p.Id : null;

    /// <summary>The exit code of the last process once it has exited.</summary>
    public int? ExitCode => Current is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The last process started, running or not.</summary>
    protected Process? Current { get; private set; }

    /// <summary>The log written after <paramref name="mark"/>.</summary>
    public string LogSince(int mark)
    {
        lock (_gate)
        {
            return mark >= _log.Length ? string.Empty : _log.ToString(mark, _log.Length - mark);
        }
    }

    /// <summary>Waits (bounded) until the log after <paramref name="mark"/> contains <paramref name="text"/>; the console logger writes in the background.</summary>
    public async Task WaitForLogAsync(string text, int mark = 0, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!LogSince(mark).Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the {Name} log never showed '{text}'\n--- {Name} log ---\n{Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Stops the process with SIGTERM and waits for it to exit; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        var process = Current ?? throw new InvalidOperationException($"the {Name} was never started");
        if (!process.HasExited)
        {
            var signal = await ChildProcess.RunAsync("kill", ["-s", "TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            using var cts = new CancellationTokenSource(StopTimeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                throw new TimeoutException($"the {Name} did not stop within {StopTimeout} of SIGTERM\n{signal}\n--- {Name} log ---\n{Log}");
            }
        }

        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>Kills the process with SIGKILL (a crash: nothing gets cleaned up) and waits for it to go.</summary>
    public async Task KillAsync()
    {
        if (Current is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the process with its output captured into <see cref="Log"/> (and extra environment variables, if given).</summary>
    protected Process Launch(string fileName, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? env = null)
    {
        if (Current is { HasExited: false })
        {
            throw new InvalidOperationException($"the {Name} is already running");
        }

        Current?.Dispose();
        var process = new Process { StartInfo = ChildProcess.StartInfo(fileName, args, env, workingDirectory), EnableRaisingEvents = true };
        AppendLog($"--- {ChildProcess.Describe(process.StartInfo)} ---");
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Current = process;
        return process;
    }

    /// <summary>
    /// Waits until <paramref name="healthcheck"/> exits 0, asking only once <paramref name="socketPath"/>
    /// exists (each check is a whole process start); fails with the log if the process exits or time runs out.
    /// </summary>
    protected async Task WaitUntilHealthyAsync(string socketPath, Func<Task<ProcessResult>> healthcheck)
    {
        var process = Current ?? throw new InvalidOperationException($"the {Name} was never started");
        var deadline = DateTime.UtcNow + StartTimeout;
        ProcessResult? health = null;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"the {Name} exited with code {process.ExitCode} while starting\n--- {Name} log ---\n{Log}");
            }

            if (File.Exists(socketPath))
            {
                health = await healthcheck();
                if (health.ExitCode == 0)
                {
                    return;
                }
            }

            await Task.Delay(100);
        }

        await KillAsync();
        throw new TimeoutException($"the {Name} was not healthy within {StartTimeout}\n{health}\n--- {Name} log ---\n{Log}");
    }

    /// <summary>Stops the process if it runs (a stop that times out has killed it; the log says why) and releases it.</summary>
    protected async Task StopQuietlyAsync()
    {
        try
        {
            if (Current is { HasExited: false })
            {
                await StopAsync();
            }
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            Current?.Dispose();
        }
    }

    /// <summary>Adds a line to <see cref="Log"/> (null lines, the end of a stream, are ignored).</summary>
    protected void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _log.AppendLine(line);
        }
    }
}
