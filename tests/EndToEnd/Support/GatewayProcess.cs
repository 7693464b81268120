using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// The real <c>identity-gateway run --config gateway.json</c> as a separate process, set up as an
/// operator would next to an <see cref="AgentProcess"/>: its own SVID and the trust bundles from the
/// agent's Workload API, a policy file, an upstream, the admin socket and the audit file in its own
/// directory. It counts as started once <c>identity-gateway healthcheck</c> exits 0.
/// </summary>
public sealed class GatewayProcess : ServiceProcess, IAsyncDisposable
{
    private GatewayProcess(string name, string policyFileName)
    {
        Name = name;
        PolicyFileName = policyFileName;
        Directory = FreePort.ShortTempDirectory();
        Port = FreePort.Next();
        OpsPort = FreePort.Next();
    }

    public override string Name { get; }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>The ops port (<c>Ops:Port</c>: <c>/metrics</c>, <c>/health/*</c>) on 127.0.0.1.</summary>
    public int OpsPort { get; }

    public string ConfigFile => Path.Combine(Directory, "gateway.json");

    /// <summary>The policy file's name in <see cref="Directory"/>; its extension picks the format.</summary>
    public string PolicyFileName { get; }

    public string PolicyFile => Path.Combine(Directory, PolicyFileName);

    public string AuditFile => Path.Combine(Directory, "audit.log");

    public string AdminSocket => Path.Combine(Directory, "admin.sock");

    /// <summary>The gateway's HTTPS address.</summary>
    public Uri Address => new($"https://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>
    /// Writes the policy (<paramref name="policyFileName"/>, policy.json unless set) and gateway.json: the REST routes <c>GET /search?index=…</c> (search:query) and
    /// <c>POST /deploy/{service}</c> (deploy:run), MCP at <c>/mcp</c> with target argument <c>index</c>
    /// (<c>service</c> for deploy), and the <paramref name="upstream"/> settings; <paramref name="routes"/>
    /// replaces the two REST routes.
    /// </summary>
    public static async Task<GatewayProcess> CreateAsync(AgentProcess agent, string spiffeId, JsonObject upstream, string policy, string name = "gateway", JsonArray? routes = null, string policyFileName = "policy.json")
    {
        var gateway = new GatewayProcess(name, policyFileName);
        await File.WriteAllTextAsync(gateway.PolicyFile, policy);
        var config = new JsonObject
        {
            ["Gateway"] = new JsonObject
            {
                ["Address"] = "127.0.0.1",
                ["Port"] = gateway.Port,
                ["WorkloadApiSocket"] = "unix://" + agent.SocketPath,
                ["SpiffeId"] = spiffeId,
                ["PolicyFile"] = gateway.PolicyFile,
                ["PolicyReloadInterval"] = "00:00:01",
                ["AdminSocketPath"] = gateway.AdminSocket,
            },
            ["Upstream"] = upstream,
            ["Routes"] = routes ?? new JsonArray(
                new JsonObject { ["Methods"] = new JsonArray("GET"), ["Path"] = "/search", ["Tool"] = "search", ["Action"] = "query", ["Target"] = "{query.index}" },
                new JsonObject { ["Methods"] = new JsonArray("POST"), ["Path"] = "/deploy/{service}", ["Tool"] = "deploy", ["Action"] = "run", ["Target"] = "{service}" }),
            ["Mcp"] = new JsonObject { ["Path"] = "/mcp", ["TargetArgument"] = "index", ["TargetArguments"] = new JsonObject { ["deploy"] = "service" } },
            ["Audit"] = new JsonObject { ["FilePath"] = gateway.AuditFile },
            ["Ops"] = new JsonObject { ["Port"] = gateway.OpsPort },
        };
        await File.WriteAllTextAsync(gateway.ConfigFile, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return gateway;
    }

    /// <summary>Starts the gateway and waits until <c>healthcheck</c> passes.</summary>
    public async Task StartAsync()
    {
        Launch(Cli.DotnetHost, [GatewayCli.Executable, "run", "--config", ConfigFile], Directory);
        await WaitUntilHealthyAsync(AdminSocket, () => CliAsync("healthcheck"));
    }

    /// <summary>Runs <c>identity-gateway ARGS --socket ADMIN</c>.</summary>
    public Task<ProcessResult> CliAsync(params string[] args) => GatewayCli.RunAsync([.. args, "--socket", AdminSocket], Directory);

    /// <summary>The audit file's lines, parsed.</summary>
    public IReadOnlyList<JsonElement> AuditLines() =>
        File.Exists(AuditFile) ? [.. File.ReadAllLines(AuditFile).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)] : [];

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopQuietlyAsync();
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
