using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Processes;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// What an operator meets before any issuer is involved: a broken agent.json stops <c>run</c> with a
/// message naming the file or key, the client commands say where they looked for the socket, and
/// every command has help.
/// </summary>
public sealed class AgentConfigurationTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _directory = FreePort.ShortTempDirectory();

    public AgentConfigurationTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private string BundleFile => Path.Combine(_directory, "bundle.pem");

    private string SocketPath => Path.Combine(_directory, "api.sock");

    [Theory]
    [InlineData("malformed JSON", """{ "Agent": { "TrustBundleFile": "BUNDLE", """, "agent.json", "not valid JSON")]
    [InlineData("unknown section", """{ "Agent": { "TrustBundleFile": "BUNDLE" }, "Workload": { "SocketPath": "SOCKET" } }""", "unknown configuration section", "Workload")]
    [InlineData("http issuer address", """{ "Agent": { "TrustBundleFile": "BUNDLE", "IssuerAddress": "http://127.0.0.1:8081" } }""", "Agent:IssuerAddress", "http://127.0.0.1:8081")]
    [InlineData("issuer address not a URL", """{ "Agent": { "TrustBundleFile": "BUNDLE", "IssuerAddress": "issuer:8081" } }""", "Agent:IssuerAddress")]
    [InlineData("both issuer address keys", """{ "Agent": { "TrustBundleFile": "BUNDLE", "IssuerAddress": "https://127.0.0.1:8081", "IssuerAddresses": [ "https://127.0.0.1:8082" ] } }""", "Agent:IssuerAddress and Agent:IssuerAddresses")]
    [InlineData("http address in the list", """{ "Agent": { "TrustBundleFile": "BUNDLE", "IssuerAddresses": [ "https://127.0.0.1:8081", "http://127.0.0.1:8082" ] } }""", "Agent:IssuerAddresses:1", "http://127.0.0.1:8082")]
    [InlineData("no trust bundle", """{ "Agent": { "IssuerAddress": "https://127.0.0.1:8081" } }""", "Agent:TrustBundleFile", "required")]
    [InlineData("Workload API bounds out of range", """{ "Agent": { "TrustBundleFile": "BUNDLE" }, "WorkloadApi": { "AttestationCacheTtl": "00:10:00", "MaxConcurrentAttestations": 0, "MaxStreamsPerUid": 0, "MaxStreams": -1, "MaxConnectionsPerUid": 0, "MaxConnections": 0, "IdleConnectionTimeout": "00:00:00" } }""", "WorkloadApi:AttestationCacheTtl", "WorkloadApi:MaxConcurrentAttestations", "WorkloadApi:MaxStreamsPerUid", "WorkloadApi:MaxStreams must", "WorkloadApi:MaxConnectionsPerUid", "WorkloadApi:MaxConnections must", "WorkloadApi:IdleConnectionTimeout")]
    [InlineData("trust bundle file missing", """{ "Agent": { "TrustBundleFile": "DIR/absent.pem" } }""", "Agent:TrustBundleFile", "absent.pem", "does not exist")]
    public async Task Run_WithABrokenAgentJson_ExitsNonZero_NamingTheFileOrKey(string problem, string json, params string[] mentions)
    {
        _output.WriteLine(problem);
        await File.WriteAllTextAsync(BundleFile, "not needed: the agent must not get that far\n");
        var config = Path.Combine(_directory, "agent.json");
        await File.WriteAllTextAsync(config, json.Replace("BUNDLE", BundleFile, StringComparison.Ordinal).Replace("DIR", _directory, StringComparison.Ordinal).Replace("SOCKET", SocketPath, StringComparison.Ordinal));

        var result = Record(await AgentCli.RunAsync(["run", "--config", config, "--join-token", "0123456789abcdef", $"--WorkloadApi:SocketPath={SocketPath}"], workingDirectory: _directory, timeout: TimeSpan.FromSeconds(30))).ShouldFail();

        Assert.All(mentions, m => Assert.Contains(m, result.StdErr, StringComparison.Ordinal));
        Assert.False(File.Exists(SocketPath), "the agent opened its socket despite the broken configuration");
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("empty", "is empty")]
    [InlineData("blank", "is empty")]
    public async Task Run_WithAnUnusableJoinTokenFile_ExitsNonZero_NamingTheFile(string problem, string mention)
    {
        var tokenFile = Path.Combine(_directory, "join-token");
        if (problem != "missing")
        {
            await File.WriteAllTextAsync(tokenFile, problem == "blank" ? " \n" : string.Empty);
        }

        await File.WriteAllTextAsync(BundleFile, "not needed: the agent must not get that far\n");
        var config = Path.Combine(_directory, "agent.json");
        await File.WriteAllTextAsync(config, $$"""{ "Agent": { "TrustBundleFile": "{{BundleFile}}" } }""");

        var result = Record(await AgentCli.RunAsync(["run", "--config", config, "--join-token-file", tokenFile, $"--WorkloadApi:SocketPath={SocketPath}"], workingDirectory: _directory, timeout: TimeSpan.FromSeconds(30))).ShouldFail();

        Assert.Contains($"--join-token-file '{tokenFile}' {mention}", result.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(SocketPath), "the agent opened its socket without a usable join token");
    }

    [Fact]
    public async Task Run_WithBothJoinTokenAndJoinTokenFile_ExitsNonZero_Saying()
    {
        var tokenFile = Path.Combine(_directory, "join-token");
        await File.WriteAllTextAsync(tokenFile, "0123456789abcdef\n");
        await File.WriteAllTextAsync(BundleFile, "not needed: the agent must not get that far\n");
        var config = Path.Combine(_directory, "agent.json");
        await File.WriteAllTextAsync(config, $$"""{ "Agent": { "TrustBundleFile": "{{BundleFile}}" } }""");

        var result = Record(await AgentCli.RunAsync(["run", "--config", config, "--join-token", "fedcba9876543210", "--join-token-file", tokenFile, $"--WorkloadApi:SocketPath={SocketPath}"], workingDirectory: _directory, timeout: TimeSpan.FromSeconds(30))).ShouldFail();

        Assert.Contains("--join-token and --join-token-file", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("fedcba9876543210", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithAMissingConfigFile_ExitsNonZero_NamingIt()
    {
        var result = Record(await AgentCli.RunAsync(["run", "--config", "nowhere/agent.json"], workingDirectory: _directory)).ShouldFail();

        Assert.Contains("nowhere/agent.json", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiFetch_WithNoSocketConfigured_AndNoSpiffeEndpointSocket_ExitsNonZero_Saying()
    {
        var text = Record(await AgentCli.RunAsync(["api", "fetch", "x509"], workingDirectory: _directory)).ShouldFail();
        var json = Record(await AgentCli.RunAsync(["api", "fetch", "x509", "--output", "json"], workingDirectory: _directory)).ShouldFail();

        Assert.Contains("SPIFFE_ENDPOINT_SOCKET is not set", text.StdErr, StringComparison.Ordinal);
        Assert.Contains("SPIFFE_ENDPOINT_SOCKET is not set", json.StdOut, StringComparison.Ordinal);
        Assert.StartsWith("{", json.StdOut.TrimStart(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "run", "api", "healthcheck", "--socket", "--output")]
    [InlineData("run", "--config", "--join-token-file", "IDENTITY_AGENT_Agent__JoinToken")]
    [InlineData("api", "fetch", "validate", "watch")]
    [InlineData("api fetch", "x509", "jwt")]
    [InlineData("api fetch x509", "--write", "--socket", "--output")]
    [InlineData("api fetch jwt", "--audience", "--spiffe-id")]
    [InlineData("api validate", "jwt")]
    [InlineData("api validate jwt", "--audience", "--svid")]
    [InlineData("api watch", "--socket")]
    [InlineData("healthcheck", "--socket")]
    public async Task Help_ForEveryAgentCommand_ExitsZeroAndListsItsFlagsAndSubcommands(string command, params string[] mentions)
    {
        var result = Record(await AgentCli.RunAsync([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"], workingDirectory: _directory));

        result.ShouldSucceed();
        Assert.Contains("Usage:", result.StdOut, StringComparison.Ordinal);
        Assert.All(mentions, m => Assert.Contains(m, result.StdOut, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
    }

    private ProcessResult Record(ProcessResult result)
    {
        _output.WriteLine(result.ToString());
        return result;
    }
}
