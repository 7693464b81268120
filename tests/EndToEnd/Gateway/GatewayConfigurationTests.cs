using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.EndToEnd.Gateway;

/// <summary>identity-gateway refuses to start on a bad policy or configuration, naming every problem; no agent is needed to find out.</summary>
public sealed class GatewayConfigurationTests : IDisposable
{
    private readonly string _directory = FreePort.ShortTempDirectory();

    [Fact]
    public async Task Run_WithABadPolicy_ExitsNonZeroNamingEveryProblem()
    {
        var policy = Path.Combine(_directory, "policy.json");
        await File.WriteAllTextAsync(policy, """
            { "tools": { "search": { "risk": "harmless" } },
              "rules": [ { "name": "r", "spiffeId": "spiffe://example.org/a/", "tools": ["search", "ghost"], "actions": ["query"] } ] }
            """);
        var result = await RunWithPolicyAsync(policy);
        result.ShouldFail();
        Assert.Contains("has 4 problem(s)", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("tools.search.risk: 'harmless' is not a risk tier", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("rules[0].spiffeId:", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("rules[0].tools: 'ghost' is not declared", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("rules[0].targets: required", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithABadYamlPolicy_ExitsNonZeroNamingEveryProblemWithItsLine()
    {
        var policy = Path.Combine(_directory, "policy.yaml");
        await File.WriteAllTextAsync(policy, """
            tools:
              search: { risk: harmless }
            rules:
              - name: r
                spiffeId: spiffe://example.org/a/
                tools: [search, ghost]
                actions: [query]
            """);
        var result = await RunWithPolicyAsync(policy);
        result.ShouldFail();
        Assert.Contains("has 4 problem(s)", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("line 2, column 19: tools.search.risk: 'harmless' is not a risk tier", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("line 4, column 5: rules[0].targets: required", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("line 5, column 15: rules[0].spiffeId:", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("line 6, column 12: rules[0].tools: 'ghost' is not declared", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithAPolicyFileOfAnotherExtension_ExitsNonZeroNamingTheFileAndTheAcceptedExtensions()
    {
        var policy = Path.Combine(_directory, "policy.txt");
        await File.WriteAllTextAsync(policy, "tools: {}");
        var result = await RunWithPolicyAsync(policy);
        result.ShouldFail();
        Assert.Contains($"Gateway:PolicyFile: '{policy}': the extension '.txt' names no policy format; use .yaml, .yml or .json", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithBadSettings_ExitsNonZeroNamingEveryKey()
    {
        var result = await GatewayCli.RunAsync(["run", "--Gateway:Port=0", "--Upstream:Address=ftp://x", "--Upstream:PresentSvid=true", "--Routes:0:Path=search", "--Approvals:Ttl=00:00:00"], _directory);
        result.ShouldFail();
        foreach (var key in new[] { "Gateway:Port", "Gateway:PolicyFile: required", "Upstream:Address", "Routes:0:Path: must start with /", "Routes:0:Tool: required", "Approvals:Ttl" })
        {
            Assert.Contains(key, result.StdErr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_DescribesEveryCommand()
    {
        foreach (var command in new[] { new[] { "--help" }, ["run", "--help"], ["approvals", "--help"], ["approvals", "approve", "--help"], ["approvals", "list", "--help"], ["approvals", "deny", "--help"], ["healthcheck", "--help"] })
        {
            var result = (await GatewayCli.RunAsync(command, _directory)).ShouldSucceed();
            Assert.Contains("Usage:", result.StdOut, StringComparison.Ordinal);
        }

        var approve = (await GatewayCli.RunAsync(["approvals", "approve", "--help"], _directory)).StdOut;
        Assert.Contains("--ttl", approve, StringComparison.Ordinal);
        Assert.Contains("--socket", approve, StringComparison.Ordinal);

        // run reads its admin socket from the configuration (Gateway:AdminSocketPath), so it offers no --socket.
        Assert.DoesNotContain("--socket", (await GatewayCli.RunAsync(["run", "--help"], _directory)).StdOut, StringComparison.Ordinal);
    }

    private Task<ProcessResult> RunWithPolicyAsync(string policy) =>
        GatewayCli.RunAsync(["run", "--Gateway:PolicyFile=" + policy, "--Upstream:Address=http://127.0.0.1:9", "--Mcp:Path=/mcp", "--Gateway:AdminSocketPath=" + Path.Combine(_directory, "admin.sock"), "--Audit:FilePath=" + Path.Combine(_directory, "audit.log")], _directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
