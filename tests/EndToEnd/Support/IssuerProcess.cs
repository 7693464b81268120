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
public class IssuerProcess : ServiceProcess, IAsyncLifetime
{
    private readonly SortedDictionary<string, string> _settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly bool _ownsDirectory;

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

    /// <inheritdoc />
    public override string Name => "issuer";

    /// <summary>Extra environment variables for the issuer process (e.g. <c>SOFTHSM2_CONF</c>, a PIN); set before <see cref="StartAsync"/>.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs an admin command against this issuer (the socket comes from the environment).</summary>
    public Task<ProcessResult> CliAsync(params string[] args) => Cli.RunAsync(args, CliEnvironment, Directory);

    /// <summary>Writes the configuration file, starts <c>identity-issuer run</c> and waits until <c>healthcheck</c> passes.</summary>
    public async Task StartAsync()
    {
        await WriteConfigAsync();
        var (fileName, args) = Cli.Command(["run", "--config", ConfigFile]);
        Launch(fileName, args, Directory, Environment);
        await WaitUntilHealthyAsync(SocketPath, () => Cli.RunAsync(["healthcheck", "--socket", SocketPath], workingDirectory: Directory));
    }

    /// <summary>Writes <see cref="ConfigFile"/> (start does this too).</summary>
    public Task WriteConfigAsync() => File.WriteAllTextAsync(ConfigFile, ConfigurationJson(_settings));

    /// <inheritdoc />
    public virtual Task InitializeAsync() => StartAsync();

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        try
        {
            await StopQuietlyAsync();
        }
        finally
        {
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
}
