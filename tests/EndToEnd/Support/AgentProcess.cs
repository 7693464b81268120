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
/// <c>identity-agent run --config agent.json --join-token T [--Section:Key=value ...]</c> (or
/// <c>--join-token-file F</c>). It counts as
/// started once <c>identity-agent healthcheck --socket …</c> exits 0, which needs a first sync with the
/// issuer. It is stopped with SIGTERM; everything it prints is kept in <see cref="Log"/>.
/// </summary>
public sealed class AgentProcess : ServiceProcess, IAsyncDisposable
{
    private readonly IReadOnlyList<string> _overrides;

    private readonly bool _joinTokenInFile;

    private AgentProcess(string name, string joinToken, IReadOnlyList<string> overrides, bool joinTokenInFile)
    {
        Name = name;
        Directory = FreePort.ShortTempDirectory();
        OpsPort = FreePort.Next();
        JoinToken = joinToken;
        _overrides = overrides;
        _joinTokenInFile = joinTokenInFile;
    }

    /// <summary>A name for logs and failure messages (e.g. "agent", "second agent").</summary>
    public override string Name { get; }

    /// <summary>The temporary directory holding agent.json, bundle.pem, the data directory and the socket.</summary>
    public string Directory { get; }

    /// <summary>The configuration file passed to <c>run --config</c>.</summary>
    public string ConfigFile => Path.Combine(Directory, "agent.json");

    /// <summary>The issuer's trust bundle as <c>bundle show</c> printed it when the agent was set up.</summary>
    public string BundleFile => Path.Combine(Directory, "bundle.pem");

    /// <summary>The agent's data directory (its SVID, key and last bundle).</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The ops port (<c>Ops:Port</c>: <c>/metrics</c>, <c>/health/*</c>) on 127.0.0.1; a free port of its own, so agents never share the default.</summary>
    public int OpsPort { get; }

    /// <summary>The Workload API socket.</summary>
    public string SocketPath => Path.Combine(Directory, "api.sock");

    /// <summary>The join token passed with --join-token, or written to <see cref="JoinTokenFile"/>.</summary>
    public string JoinToken { get; }

    /// <summary>The file (0600) holding the join token when the agent is started with --join-token-file.</summary>
    public string JoinTokenFile => Path.Combine(Directory, "join-token");

    /// <summary>
    /// Writes bundle.pem (from the issuer's <c>bundle show</c>) and agent.json; does not start anything.
    /// </summary>
    /// <param name="issuer">The issuer whose agent API and bundle the agent uses.</param>
    /// <param name="joinToken">The token passed with --join-token.</param>
    /// <param name="settings">Extra <c>Section:Key</c> settings written into agent.json.</param>
    /// <param name="overrides">Trailing <c>--Section:Key=value</c> arguments of <c>run</c>.</param>
    /// <param name="sinks">The <c>Sinks</c> array of agent.json, when any.</param>
    /// <param name="name">A name for logs.</param>
    /// <param name="joinTokenInFile">Pass the token with --join-token-file instead of --join-token.</param>
    public static async Task<AgentProcess> CreateAsync(
        IssuerProcess issuer,
        string joinToken,
        IReadOnlyDictionary<string, string>? settings = null,
        IReadOnlyList<string>? overrides = null,
        JsonArray? sinks = null,
        string name = "agent",
        bool joinTokenInFile = false)
    {
        var agent = new AgentProcess(name, joinToken, overrides ?? [], joinTokenInFile);
        if (joinTokenInFile)
        {
            await using var file = new FileStream(agent.JoinTokenFile, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
            await file.WriteAsync(Encoding.ASCII.GetBytes(joinToken + "\n"));
        }

        var bundle = (await issuer.CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut;
        await File.WriteAllTextAsync(agent.BundleFile, bundle);

        var all = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Agent:TrustBundleFile"] = agent.BundleFile,
            ["Agent:DataDirectory"] = agent.DataDirectory,
            ["WorkloadApi:SocketPath"] = agent.SocketPath,
            ["Ops:Port"] = agent.OpsPort.ToString(CultureInfo.InvariantCulture),
        };

        // Agent:IssuerAddresses (several replicas) replaces the single address; the agent refuses both.
        if (settings?.Keys.Any(k => k.StartsWith("Agent:IssuerAddresses", StringComparison.OrdinalIgnoreCase)) != true)
        {
            all["Agent:IssuerAddress"] = issuer.AgentApiAddress;
        }

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
    public Task WaitUntilHealthyAsync() => WaitUntilHealthyAsync(SocketPath, HealthcheckAsync);

    /// <summary>Starts <c>identity-agent run</c> without waiting for anything (for agents expected not to serve).</summary>
    public Process Launch()
    {
        string[] token = _joinTokenInFile ? ["--join-token-file", JoinTokenFile] : ["--join-token", JoinToken];
        var (fileName, args) = AgentCli.Command(["run", "--config", ConfigFile, .. token, .. _overrides]);
        return Launch(fileName, args, Directory);
    }

    /// <summary>Runs <c>identity-agent healthcheck --socket</c> against this agent.</summary>
    public Task<ProcessResult> HealthcheckAsync() => AgentCli.RunAsync(["healthcheck", "--socket", SocketPath], workingDirectory: Directory);

    /// <summary>Runs <c>identity-agent ARGS --socket SOCKET</c>, as a workload on this host would.</summary>
    public Task<ProcessResult> ApiAsync(params string[] args) => AgentCli.RunAsync([.. args, "--socket", SocketPath], workingDirectory: Directory);

    /// <summary>Stops the agent if it runs and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopQuietlyAsync();
        }
        finally
        {
            if (System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }
}
