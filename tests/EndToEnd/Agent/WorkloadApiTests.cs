using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Spiffe.WorkloadApi;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// Who gets which identity through a real agent's Workload API: callers are known only by the uid
/// the kernel reports for their connection, the security header is required, and what a workload
/// receives is a usable SVID (openssl, reading files, is the verifier). Also JWT-SVIDs and the ways a
/// workload finds the socket.
/// </summary>
public sealed class WorkloadApiTests : AgentTest, IClassFixture<IssuerProcess>
{
    public WorkloadApiTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task Call_WithoutTheSecurityHeader_IsInvalidArgument()
    {
        var (agent, agentId) = await StartAgentAsync();
        await CreateWorkloadEntryAsync(WorkloadIdPrefix + "header", agentId, OwnUidSelector);
        await WaitForSvidsAsync(agent, [WorkloadIdPrefix + "header"]);

        var result = await NodeAsync(agent, "FetchX509SVID", ["--no-header"]);

        Assert.Empty(result.Messages);
        Assert.Equal("INVALID_ARGUMENT", result.StatusName);
        Assert.Equal("security header missing from request", result.StatusDetails);
    }

    [Fact]
    public async Task Caller_WhoseUidHasNoEntry_IsDeniedWithNoIdentityIssued()
    {
        var (agent, agentId) = await StartAgentAsync();
        // Another uid has an identity here; the test process's uid has none.
        await CreateWorkloadEntryAsync(WorkloadIdPrefix + "someone-else", agentId, "unix:uid:" + LocalUser.Named("nobody").Uid);
        await WaitForSvidsAsync(agent, [WorkloadIdPrefix + "someone-else"], LocalUser.Named("nobody"));

        var x509 = await NodeAsync(agent, "FetchX509SVID");
        var jwt = await NodeAsync(agent, "FetchJWTSVID", ["some-audience"]);

        Assert.Empty(x509.Messages);
        Assert.Equal("PERMISSION_DENIED", x509.StatusName);
        Assert.Equal("no identity issued", x509.StatusDetails);
        Assert.Equal("PERMISSION_DENIED", jwt.StatusName);
        Assert.Equal("no identity issued", jwt.StatusDetails);
    }

    [Fact]
    public async Task MatchingCaller_GetsTheEntrysSvid_WithItsKey_ChainingToTheIssuersBundle()
    {
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "matching";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);

        var svid = Assert.Single(await WaitForSvidsAsync(agent, [spiffeId]));
        var files = await WriteSvidFilesAsync(svid, Path.Combine(agent.Directory, "node-svid"));

        // The bundle sent with the SVID and the bundle the issuer shows its operator both verify it.
        await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), spiffeId, Path.Combine(files, "bundle.pem"), agent.BundleFile);
        Assert.Single(svid.Chain);
    }

    [Fact]
    public async Task ChildProcess_RunAsAnotherUid_GetsThatUidsIdentity_AndNotTheParents()
    {
        var nobody = LocalUser.Named("nobody");
        var (agent, agentId) = await StartAgentAsync();
        var parentId = WorkloadIdPrefix + "parent-root";
        var childId = WorkloadIdPrefix + "child-nobody";
        await CreateWorkloadEntryAsync(parentId, agentId, OwnUidSelector);
        await CreateWorkloadEntryAsync(childId, agentId, "unix:uid:" + nobody.Uid);

        var asChild = await WaitForSvidsAsync(agent, [childId], nobody);
        var asParent = await WaitForSvidsAsync(agent, [parentId]);

        var files = await WriteSvidFilesAsync(Assert.Single(asChild), Path.Combine(agent.Directory, "child-svid"));
        await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), childId, agent.BundleFile);
        Assert.Equal(parentId, Assert.Single(asParent).SpiffeId);
        var jwt = await NodeAsync(agent, "FetchJWTSVID", ["child-audience"], nobody);
        Assert.Equal("OK", jwt.StatusName);
        Assert.Equal(childId, Assert.Single(jwt.Messages[0].GetProperty("svids").EnumerateArray()).GetProperty("spiffe_id").GetString());
    }

    [Fact]
    public async Task JwtSvid_FetchedAndValidated_ThroughTheAgentCliAndTheNodeClient()
    {
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "jwt";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        await WaitForSvidsAsync(agent, [spiffeId]);

        var fetched = ParseJson((await AgentApiAsync(agent, "api", "fetch", "jwt", "--audience", "inventory-api", "--output", "json")).ShouldSucceed()).RootElement;
        var cliSvid = Assert.Single(fetched.GetProperty("svids").EnumerateArray());
        Assert.Equal(spiffeId, cliSvid.GetProperty("spiffeId").GetString());
        var cliToken = cliSvid.GetProperty("token").GetString()!;

        var nodeFetched = await NodeAsync(agent, "FetchJWTSVID", ["inventory-api"]);
        Assert.Equal("OK", nodeFetched.StatusName);
        var nodeSvid = Assert.Single(nodeFetched.Messages[0].GetProperty("svids").EnumerateArray());
        Assert.Equal(spiffeId, nodeSvid.GetProperty("spiffe_id").GetString());
        var nodeToken = nodeSvid.GetProperty("svid").GetString()!;

        // Each client validates the other's token, so neither only agrees with itself.
        var cliValidated = ParseJson((await AgentApiAsync(agent, "api", "validate", "jwt", "--audience", "inventory-api", "--svid", nodeToken, "--output", "json")).ShouldSucceed()).RootElement;
        Assert.Equal(spiffeId, cliValidated.GetProperty("spiffeId").GetString());
        Assert.Equal(spiffeId, cliValidated.GetProperty("claims").GetProperty("sub").GetString());
        Assert.Contains("inventory-api", cliValidated.GetProperty("claims").GetProperty("aud").EnumerateArray().Select(a => a.GetString()));

        var nodeValidated = await NodeAsync(agent, "ValidateJWTSVID", ["inventory-api", cliToken]);
        Assert.Equal("OK", nodeValidated.StatusName);
        var body = nodeValidated.Messages[0];
        Assert.Equal(spiffeId, body.GetProperty("spiffe_id").GetString());
        Assert.Equal(spiffeId, body.GetProperty("claims").GetProperty("sub").GetString());

        // The wrong audience is refused by both.
        var wrongCli = (await AgentApiAsync(agent, "api", "validate", "jwt", "--audience", "someone-else", "--svid", cliToken)).ShouldFail();
        Assert.Contains("audience", wrongCli.StdErr, StringComparison.OrdinalIgnoreCase);
        var wrongNode = await NodeAsync(agent, "ValidateJWTSVID", ["someone-else", nodeToken]);
        Assert.Equal("INVALID_ARGUMENT", wrongNode.StatusName);
    }

    [Fact]
    public async Task AgentCli_FindsTheSocket_ThroughSocketOption_AndSpiffeEndpointSocket_AndWritesVerifiableFiles()
    {
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "cli";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        await WaitForSvidsAsync(agent, [spiffeId]);

        var viaOption = Path.Combine(agent.Directory, "via-option");
        var byOption = (await AgentApiAsync(agent, "api", "fetch", "x509", "--write", viaOption)).ShouldSucceed();
        Assert.Contains(spiffeId, byOption.StdOut, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(viaOption, "svid.0.key")));
        await AssertSvidFilesAsync(Path.Combine(viaOption, "svid.0.pem"), Path.Combine(viaOption, "svid.0.key"), spiffeId, Path.Combine(viaOption, "bundle.0.pem"), agent.BundleFile);

        var byEnvironment = Record(await AgentCli.RunAsync(
            ["api", "fetch", "x509", "--output", "json"],
            new Dictionary<string, string> { ["SPIFFE_ENDPOINT_SOCKET"] = "unix://" + agent.SocketPath },
            agent.Directory)).ShouldSucceed();
        var svids = ParseJson(byEnvironment).RootElement.GetProperty("svids").EnumerateArray().Select(s => s.GetProperty("spiffeId").GetString()).ToList();
        Assert.Equal([spiffeId], svids);
    }

    [Fact]
    public async Task Request_OnAConnectionWhoseConnectingProcessExited_IsPermissionDenied_ForTheChildHoldingIt()
    {
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "handoff-exited";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        await WaitForSvidsAsync(agent, [spiffeId]);
        await using var handoff = await SocketHandoff.StartAsync(agent.SocketPath);
        using var client = new WorkloadApiClient("unix://" + handoff.RelayPath);
        var whileConnected = await client.FetchX509ContextAsync();

        await handoff.ExitConnectingProcessAsync();
        var afterExit = await Assert.ThrowsAsync<WorkloadApiException>(() => client.FetchX509ContextAsync());

        Assert.Equal(spiffeId, whileConnected.DefaultSvid.Id.ToString());
        Output.WriteLine($"after pid {handoff.ConnectingPid} exited: {afterExit.StatusCode} {afterExit.StatusMessage}");
        Assert.Equal(GrpcStatusCode.PermissionDenied, afterExit.StatusCode);
        Assert.StartsWith("no identity issued", afterExit.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_OnAConnectionWhoseConnectingPidWasReused_IsPermissionDenied_NotAttestedAsTheNewProcess()
    {
        // The entry wants the unix attestor's path of sleep: the process that reuses the pid is sleep,
        // run as the same user, so attesting the pid as it is now would hand this identity out.
        var (token, agentId) = await GenerateTokenAsync();
        var agent = await CreateAgentAsync(token, new Dictionary<string, string> { ["WorkloadAttestors:Unix:DiscoverWorkloadPath"] = "true" });
        await agent.StartAsync();
        await CreateWorkloadEntryAsync(WorkloadIdPrefix + "handoff-python", agentId, OwnUidSelector);
        var sleep = WorkloadIdPrefix + "handoff-sleep";
        await CreateWorkloadEntryAsync(sleep, agentId, OwnUidSelector, "--selector", "unix:path:/usr/bin/sleep");
        await WaitForSvidsAsync(agent, [WorkloadIdPrefix + "handoff-python"]);
        await using var handoff = await SocketHandoff.StartAsync(agent.SocketPath);
        using var client = new WorkloadApiClient("unix://" + handoff.RelayPath);
        var whileConnected = await client.FetchX509ContextAsync();

        await handoff.ExitConnectingProcessAsync();
        var ours = await handoff.ReuseConnectingPidAsync();
        Output.WriteLine($"pid {handoff.ConnectingPid} reused by {(ours ? "sleep" : "another process")}");
        var afterReuse = await Assert.ThrowsAsync<WorkloadApiException>(() => client.FetchX509ContextAsync());

        Assert.Equal([WorkloadIdPrefix + "handoff-python"], whileConnected.Svids.Select(s => s.Id.ToString()));
        Output.WriteLine($"after pid {handoff.ConnectingPid} was reused: {afterReuse.StatusCode} {afterReuse.StatusMessage}");
        Assert.Equal(GrpcStatusCode.PermissionDenied, afterReuse.StatusCode);
    }
}
