using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// The real node agent as a separate process, set up the way an operator sets it up next to an
/// <see cref="IssuerProcess"/>: an <c>agent.json</c> whose <c>Agent:TrustBundleFile</c> is the PEM that
/// <c>identity-issuer bundle show</c> printed, <c>Agent:IssuerAddress</c> pointing at the issuer's agent
/// API, a fresh data directory and a short Workload API socket path under /tmp; then
/// <c>identity-agent run --config agent.json --join-token T [--Section:Key=value ...]</c>. It counts as
/// started once <c>identity-agent healthcheck --socket …</c> exits 0, which needs a first sync with the
/// issuer. It is stopped with SIGTERM; everything it prints is kept in <see cref="Log"/>.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    /// <summary>The longest a start may take before the test fails with the agent's log.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The longest a SIGTERM may take to stop the agent.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly StringBuilder _log = new();
    private readonly IReadOnlyList<string> _overrides;
    private Process? _process;

    private AgentProcess(string name, string joinToken, IReadOnlyList<string> overrides)
    {
        Name = name;
        Directory = FreePort.ShortTempDirectory();
        JoinToken = joinToken;
        _overrides = overrides;
    }

    /// <summary>A name for logs and failure messages (e.g. "agent", "second agent").</summary>
    public string Name { get; }

    /// <summary>The temporary directory holding agent.json, bundle.pem, the data directory and the socket.</summary>
    public string Directory { get; }

    /// <summary>The configuration file passed to <c>run --config</c>.</summary>
    public string ConfigFile => Path.Combine(Directory, "agent.json");

    /// <summary>The issuer's trust bundle as <c>bundle show</c> printed it when the agent was set up.</summary>
    public string BundleFile => Path.Combine(Directory, "bundle.pem");

    /// <summary>The agent's data directory (its SVID, key and last bundle).</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The Workload API socket.</summary>
    public string SocketPath => Path.Combine(Directory, "api.sock");

    /// <summary>The join token passed with --join-token.</summary>
    public string JoinToken { get; }

    /// <summary>Everything the agent printed so far (stdout and stderr, line by line, across restarts).</summary>
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

    /// <summary>True once a started process has exited.</summary>
    public bool HasExited => _process is { HasExited: true };

    /// <summary>
    /// Writes bundle.pem (from the issuer's <c>bundle show</c>) and agent.json; does not start anything.
    /// </summary>
    /// <param name="issuer">The issuer whose agent API and bundle the agent uses.</param>
    /// <param name="joinToken">The token passed with --join-token.</param>
    /// <param name="settings">Extra <c>Section:Key</c> settings written into agent.json.</param>
    /// <param name="overrides">Trailing <c>--Section:Key=value</c> arguments of <c>run</c>.</param>
    /// <param name="sinks">The <c>Sinks</c> array of agent.json, when any.</param>
    /// <param name="name">A name for logs.</param>
    public static async Task<AgentProcess> CreateAsync(
        IssuerProcess issuer,
        string joinToken,
        IReadOnlyDictionary<string, string>? settings = null,
        IReadOnlyList<string>? overrides = null,
        JsonArray? sinks = null,
        string name = "agent")
    {
        var agent = new AgentProcess(name, joinToken, overrides ?? []);
        var bundle = (await issuer.CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;
        await File.WriteAllTextAsync(agent.BundleFile, bundle);

        var all = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Agent:TrustBundleFile"] = agent.BundleFile,
            ["Agent:IssuerAddress"] = issuer.AgentApiAddress,
            ["Agent:DataDirectory"] = agent.DataDirectory,
            ["WorkloadApi:SocketPath"] = agent.SocketPath,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var json = JsonNode.Parse(IssuerProcess.ConfigurationJson(all))!.AsObject();
        if (sinks is not null)
        {
            json["Sinks"] = sinks;
        }

        await File.WriteAllTextAsync(agent.ConfigFile, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return agent;
    }

    /// <summary>Starts the agent and waits until its Workload API answers <c>healthcheck</c>.</summary>
    public async Task StartAsync()
    {
        Launch();
        await WaitUntilHealthyAsync();
    }

    /// <summary>Waits until <c>healthcheck</c> passes against the launched agent; fails with its log if it exits or times out.</summary>
    public async Task WaitUntilHealthyAsync()
    {
        var process = _process ?? throw new InvalidOperationException($"the {Name} was never started");
        var deadline = DateTime.UtcNow + StartTimeout;
        ProcessResult? health = null;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"the {Name} exited with code {process.ExitCode} while starting\n--- {Name} log ---\n{Log}");
            }

            // Each healthcheck is a whole process start; only ask once the socket is there.
            if (File.Exists(SocketPath))
            {
                health = await HealthcheckAsync();
                if (health.ExitCode == 0)
                {
                    return;
                }
            }

            await Task.Delay(200);
        }

        await KillAsync();
        throw new TimeoutException($"the {Name} was not healthy within {StartTimeout}\n{health}\n--- {Name} log ---\n{Log}");
    }

    /// <summary>Starts <c>identity-agent run</c> without waiting for anything (for agents expected not to serve).</summary>
    public Process Launch()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException($"the {Name} is already running");
        }

        _process?.Dispose();
        var (fileName, args) = AgentCli.Command(["run", "--config", ConfigFile, "--join-token", JoinToken, .. _overrides]);
        var process = new Process { StartInfo = ChildProcess.StartInfo(fileName, args, env: null, Directory), EnableRaisingEvents = true };
        AppendLog($"--- {ChildProcess.Describe(process.StartInfo)} ---");
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        return process;
    }

    /// <summary>Runs <c>identity-agent healthcheck --socket</c> against this agent.</summary>
    public Task<ProcessResult> HealthcheckAsync() => AgentCli.RunAsync(["healthcheck", "--socket", SocketPath], workingDirectory: Directory);

    /// <summary>Runs <c>identity-agent ARGS --socket SOCKET</c>, as a workload on this host would.</summary>
    public Task<ProcessResult> ApiAsync(params string[] args) => AgentCli.RunAsync([.. args, "--socket", SocketPath], workingDirectory: Directory);

    /// <summary>Stops the agent with SIGTERM and waits for it to exit; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        var process = _process ?? throw new InvalidOperationException($"the {Name} was never started");
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

    /// <summary>Kills the agent with SIGKILL and waits for it to go.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The log written after <paramref name="mark"/>.</summary>
    public string LogSince(int mark)
    {
        lock (_gate)
        {
            return mark >= _log.Length ? string.Empty : _log.ToString(mark, _log.Length - mark);
        }
    }

    /// <summary>Waits (bounded) until the log after <paramref name="mark"/> contains <paramref name="text"/>.</summary>
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

    /// <summary>Stops the agent if it runs and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                try
                {
                    await StopAsync();
                }
                catch (TimeoutException)
                {
                    // StopAsync killed it; the log says why.
                }
            }
        }
        finally
        {
            _process?.Dispose();
            if (System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }

    private void AppendLog(string? line)
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
