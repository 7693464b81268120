using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// The real issuer as a separate process, started the way an operator starts it:
/// <c>identity-issuer run --config FILE</c> with a fresh data directory, random loopback ports for the
/// bundle endpoint and the ops port, and a short admin socket path under /tmp. It counts as started
/// once <c>identity-issuer healthcheck</c> exits 0; it is stopped with SIGTERM. Everything it prints
/// is kept in <see cref="Log"/>, which start failures include. Usable as an <c>IClassFixture</c>.
/// </summary>
public class IssuerProcess : IAsyncLifetime
{
    /// <summary>The longest a start may take before the test fails with the issuer's log.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The longest a SIGTERM may take to stop the issuer.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly StringBuilder _log = new();
    private readonly SortedDictionary<string, string> _settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly bool _ownsDirectory;
    private Process? _process;

    /// <summary>An issuer on the embedded defaults (SQLite, disk keys) in a fresh temporary directory.</summary>
    public IssuerProcess()
        : this(new Dictionary<string, string>())
    {
    }

    /// <summary>An issuer with extra <c>Section:Key</c> settings written into its configuration file.</summary>
    /// <param name="settings">Settings added to (or replacing) the defaults.</param>
    /// <param name="socketPath">The admin socket; defaults to <c>admin.sock</c> in the temporary directory.</param>
    protected IssuerProcess(IReadOnlyDictionary<string, string> settings, string? socketPath = null)
    {
        Directory = FreePort.ShortTempDirectory();
        _ownsDirectory = true;
        SocketPath = socketPath ?? Path.Combine(Directory, "admin.sock");
        BundlePort = FreePort.Next();
        OpsPort = FreePort.Next();
        AgentApiPort = FreePort.Next();
        _settings["Issuer:DataDirectory"] = DataDirectory;
        _settings["AdminApi:SocketPath"] = SocketPath;
        _settings["BundleEndpoint:Port"] = BundlePort.ToString(CultureInfo.InvariantCulture);
        _settings["Ops:Port"] = OpsPort.ToString(CultureInfo.InvariantCulture);
        _settings["AgentApi:Port"] = AgentApiPort.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }
    }

    /// <summary>An issuer with extra <c>Section:Key</c> settings (not started yet; call <see cref="StartAsync"/>).</summary>
    public static IssuerProcess Create(IReadOnlyDictionary<string, string> settings, string? socketPath = null) => new(settings, socketPath);

    /// <summary>The temporary directory holding the configuration file, the data directory and (by default) the socket.</summary>
    public string Directory { get; }

    /// <summary>The issuer's data directory (SQLite database, disk keys).</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The configuration file passed to <c>run --config</c>.</summary>
    public string ConfigFile => Path.Combine(Directory, "issuer.json");

    /// <summary>The admin socket the CLI talks to.</summary>
    public string SocketPath { get; }

    /// <summary>The HTTPS bundle endpoint port on 127.0.0.1.</summary>
    public int BundlePort { get; }

    /// <summary>The plain-HTTP ops (health) port on 127.0.0.1.</summary>
    public int OpsPort { get; }

    /// <summary>The HTTPS agent API port on 127.0.0.1 (its own port, so issuers of parallel tests do not share the default).</summary>
    public int AgentApiPort { get; }

    /// <summary>The agent API address as an agent's <c>Agent:IssuerAddress</c>.</summary>
    public string AgentApiAddress => $"https://127.0.0.1:{AgentApiPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The environment that points the CLI at this issuer, as a user would export it.</summary>
    public IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string> { ["IDENTITY_ISSUER_ADMIN_SOCKET"] = SocketPath };

    /// <summary>Everything the issuer process printed so far (stdout and stderr, line by line).</summary>
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

    /// <summary>The process id while running.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>The exit code of the last process once it has exited.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The log written after <paramref name="mark"/>.</summary>
    public string LogSince(int mark)
    {
        lock (_gate)
        {
            return mark >= _log.Length ? string.Empty : _log.ToString(mark, _log.Length - mark);
        }
    }

    /// <summary>Runs an admin command against this issuer (the socket comes from the environment).</summary>
    public Task<ProcessResult> CliAsync(params string[] args) => Cli.RunAsync(args, CliEnvironment, Directory);

    /// <summary>Writes the configuration file, starts <c>identity-issuer run</c> and waits until <c>healthcheck</c> passes.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("the issuer is already running");
        }

        await WriteConfigAsync();
        _process?.Dispose();
        AppendLog($"--- identity-issuer run --config {ConfigFile} ---");
        var (fileName, args) = Cli.Command(["run", "--config", ConfigFile]);
        var process = new Process { StartInfo = ChildProcess.StartInfo(fileName, args, env: null, Directory), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + StartTimeout;
        ProcessResult? health = null;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"the issuer exited with code {process.ExitCode} while starting\n--- issuer log ---\n{Log}");
            }

            // Each healthcheck is a whole process start; only ask once the socket is there.
            if (File.Exists(SocketPath))
            {
                health = await Cli.RunAsync(["healthcheck", "--socket", SocketPath], workingDirectory: Directory);
                if (health.ExitCode == 0)
                {
                    return;
                }
            }

            await Task.Delay(100);
        }

        await KillAsync();
        throw new TimeoutException($"the issuer was not healthy within {StartTimeout}\n{health}\n--- issuer log ---\n{Log}");
    }

    /// <summary>Writes <see cref="ConfigFile"/> (start does this too).</summary>
    public Task WriteConfigAsync() => File.WriteAllTextAsync(ConfigFile, ConfigurationJson(_settings));

    /// <summary>Stops the issuer with SIGTERM, as a service manager would, and waits for it to exit.</summary>
    /// <returns>The issuer's exit code.</returns>
    public async Task<int> StopAsync()
    {
        var process = _process ?? throw new InvalidOperationException("the issuer was never started");
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
                throw new TimeoutException($"the issuer did not stop within {StopTimeout} of SIGTERM\n{signal}\n--- issuer log ---\n{Log}");
            }
        }

        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>Kills the issuer with SIGKILL (a crash: nothing gets cleaned up) and waits for it to go.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException("the issuer was never started");
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: false);
        }

        await process.WaitForExitAsync();
    }

    /// <summary>Waits (bounded) until the log contains <paramref name="text"/>; the console logger writes in the background.</summary>
    public async Task WaitForLogAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the issuer log never showed '{text}'\n--- issuer log ---\n{Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <inheritdoc />
    public virtual Task InitializeAsync() => StartAsync();

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                await StopAsync();
            }
        }
        finally
        {
            _process?.Dispose();
            if (_ownsDirectory && System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }

    /// <summary>Turns flat <c>Section:Key</c> settings into the nested JSON an operator would write.</summary>
    public static string ConfigurationJson(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var root = new JsonObject();
        foreach (var (key, value) in settings)
        {
            var parts = key.Split(':');
            var node = root;
            foreach (var part in parts[..^1])
            {
                if (node[part] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[part] = child;
                }

                node = child;
            }

            node[parts[^1]] = bool.TryParse(value, out var flag) ? JsonValue.Create(flag)
                : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number)
                : JsonValue.Create(value);
        }

        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
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
