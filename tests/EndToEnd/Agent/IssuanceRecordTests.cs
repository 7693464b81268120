using System.Globalization;
using System.Text.Json;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// "Why does this workload have this SVID?" with real processes: the issuance record lists and explains
/// the SVID a workload fetched over the Workload API, before and after it is revoked; and
/// <c>entry simulate</c> and <c>--dry-run</c> predict exactly what the agent then serves.
/// </summary>
public sealed class IssuanceRecordTests : AgentTest
{
    public IssuanceRecordTests(ITestOutputHelper output)
        : base(new IssuerProcess(), output, ownsIssuer: true)
    {
    }

    [Fact]
    public async Task SvidShow_ExplainsTheSvidAWorkloadFetched_AndAfterRevocationNamesTheCrl()
    {
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "explained";
        var entryId = await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        var (stream, first) = await WatchSvidAsync(agent, spiffeId);

        using (var list = ParseJson((await CliAsync("svid", "list", "--spiffe-id", spiffeId, "--output", "json")).ShouldSucceed()))
        {
            Assert.Contains(first.Serial, list.RootElement.GetProperty("svids").EnumerateArray().Select(s => s.GetProperty("serial").GetString()));
        }

        using (var shown = ParseJson((await CliAsync("svid", "show", "--serial", first.Serial, "--output", "json")).ShouldSucceed()))
        {
            var root = shown.RootElement;
            Assert.Equal(spiffeId, root.GetProperty("svid").GetProperty("spiffeId").GetString());
            Assert.Equal(entryId, root.GetProperty("entry").GetProperty("id").GetString());
            Assert.Equal([OwnUidSelector], Strings(root.GetProperty("entry").GetProperty("selectors")));
            Assert.Equal(agentId, root.GetProperty("agent").GetProperty("id").GetString());
            Assert.Equal("join_token", root.GetProperty("agent").GetProperty("nodeAttestor").GetString());
            Assert.Equal(JsonValueKind.Array, root.GetProperty("agent").GetProperty("nodeSelectors").ValueKind);

            // The first SVID of an entry is signed before any workload asks for it.
            Assert.Equal("none-yet", root.GetProperty("workload").GetProperty("status").GetString());
            Assert.Equal(first.SignedBy, root.GetProperty("authority").GetProperty("id").GetString());
            Assert.Equal("primary", root.GetProperty("authority").GetProperty("replica").GetString());
            Assert.False(root.GetProperty("revocation").GetProperty("revoked").GetBoolean());
        }

        var text = (await CliAsync("svid", "show", "--serial", first.Serial)).ShouldSucceed().StdOut;
        Assert.Contains($"Entry             : {entryId}", text, StringComparison.Ordinal);
        Assert.Contains($"Entry selectors   : {OwnUidSelector}", text, StringComparison.Ordinal);
        Assert.Contains($"Agent             : {agentId} (attested)", text, StringComparison.Ordinal);
        Assert.Contains("Node attestor     : join_token", text, StringComparison.Ordinal);
        Assert.Contains($"Signing authority : {first.SignedBy}", text, StringComparison.Ordinal);
        Assert.Contains("Revocation        : not revoked", text, StringComparison.Ordinal);

        (await CliAsync("svid", "revoke", "--serial", first.Serial, "--reason", "why-test")).ShouldSucceed();
        var (renewed, _) = await NextOtherSerialAsync(stream, first.Serial);

        // The agent replaced it because the authority's CRL lists it: show names that CRL.
        using (var revoked = ParseJson((await CliAsync("svid", "show", "--serial", first.Serial, "--output", "json")).ShouldSucceed()))
        {
            var revocation = revoked.RootElement.GetProperty("revocation");
            Assert.True(revocation.GetProperty("revoked").GetBoolean());
            Assert.Equal("why-test", revocation.GetProperty("reason").GetString());
            Assert.Equal(first.SignedBy, revocation.GetProperty("crlAuthorityId").GetString());
            Assert.Equal(JsonValueKind.Number, revocation.GetProperty("crlNumber").ValueKind);
        }

        var revokedText = (await CliAsync("svid", "show", "--serial", first.Serial)).ShouldSucceed().StdOut;
        Assert.Contains("Revocation        : revoked at", revokedText, StringComparison.Ordinal);
        Assert.Contains($"of authority {first.SignedBy}", revokedText, StringComparison.Ordinal);
        Assert.Contains("listed on CRL number", revokedText, StringComparison.Ordinal);

        using (var listRevoked = ParseJson((await CliAsync("svid", "list", "--revoked", "--output", "json")).ShouldSucceed()))
        {
            Assert.Equal([first.Serial], listRevoked.RootElement.GetProperty("svids").EnumerateArray().Select(s => s.GetProperty("serial").GetString()!));
        }

        // The renewal was signed for the workload the agent had served: it reports that workload's selectors.
        using var renewedShown = ParseJson((await CliAsync("svid", "show", "--serial", renewed.Serial, "--output", "json")).ShouldSucceed());
        var workload = renewedShown.RootElement.GetProperty("workload");
        Assert.Equal("reported", workload.GetProperty("status").GetString());
        Assert.Contains(OwnUidSelector, Strings(workload.GetProperty("selectors")));
        Assert.Contains(
            $"Workload selectors: {string.Join(", ", Strings(workload.GetProperty("selectors")))}",
            (await CliAsync("svid", "show", "--serial", renewed.Serial)).ShouldSucceed().StdOut,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task SimulateAndDryRun_AgreeWithWhatTheAgentServes_ForNestedAndExpiringEntries()
    {
        var (agent, agentId) = await StartAgentAsync();
        var parent = WorkloadIdPrefix + "sim-parent";
        var child = WorkloadIdPrefix + "sim-child";
        var expiring = WorkloadIdPrefix + "sim-expiring";
        var other = WorkloadIdPrefix + "sim-other-uid";
        var parentEntry = await CreateWorkloadEntryAsync(parent, agentId, OwnUidSelector);
        var childEntry = await CreateWorkloadEntryAsync(child, parent, OwnUidSelector);
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(20);
        await CreateWorkloadEntryAsync(expiring, agentId, OwnUidSelector, "--expires-at", expiresAt.ToString("O", CultureInfo.InvariantCulture));
        await CreateWorkloadEntryAsync(other, agentId, "unix:uid:54321");

        var served = await WaitForSvidsAsync(agent, [parent, child, expiring]);
        Assert.Equal(served.Select(s => s.SpiffeId).Order(StringComparer.Ordinal), await SimulateAsync(agentId));

        // After the expiry both drop it: the simulation at once, the agent at its next sync.
        var wait = expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Assert.Equal([child, parent], await SimulateAsync(agentId));
        await WaitForSvidsAsync(agent, [parent, child]);

        // Dry runs: deleting the parent takes its child too; nothing is stored.
        long revisionBefore;
        using (var marker = ParseJson((await CliAsync("entry", "create", "--spiffe-id", WorkloadIdPrefix + "sim-marker", "--parent-id", agentId, "--selector", "unix:uid:54322", "--output", "json")).ShouldSucceed()))
        {
            revisionBefore = marker.RootElement.GetProperty("revisionNumber").GetInt64();
        }

        var entriesBefore = await ListEntriesJsonAsync();
        using (var delete = ParseJson((await CliAsync("entry", "delete", "--id", parentEntry, "--dry-run", "--output", "json")).ShouldSucceed()))
        {
            var impact = Assert.Single(delete.RootElement.GetProperty("agents").EnumerateArray());
            Assert.False(delete.RootElement.GetProperty("stored").GetBoolean());
            Assert.Equal(agentId, impact.GetProperty("agentId").GetString());
            Assert.Equal([child, parent], impact.GetProperty("lost").EnumerateArray().Select(e => e.GetProperty("spiffeId").GetString()!));
            Assert.True(impact.GetProperty("currentSvids").GetInt32() >= 2, "both entries' SVIDs are current");
        }

        using (var update = ParseJson((await CliAsync("entry", "update", "--id", childEntry, "--parent-id", agentId, "--dry-run", "--output", "json")).ShouldSucceed()))
        {
            var impact = Assert.Single(update.RootElement.GetProperty("agents").EnumerateArray());
            Assert.Equal([child], impact.GetProperty("changed").EnumerateArray().Select(e => e.GetProperty("spiffeId").GetString()!));
        }

        var created = WorkloadIdPrefix + "sim-new";
        using (var create = ParseJson((await CliAsync("entry", "create", "--spiffe-id", created, "--parent-id", child, "--selector", OwnUidSelector, "--dry-run", "--output", "json")).ShouldSucceed()))
        {
            var impact = Assert.Single(create.RootElement.GetProperty("agents").EnumerateArray());
            Assert.Equal([created], impact.GetProperty("gained").EnumerateArray().Select(e => e.GetProperty("spiffeId").GetString()!));
        }

        string[] lostByChildDelete;
        using (var deleteChild = ParseJson((await CliAsync("entry", "delete", "--id", childEntry, "--dry-run", "--output", "json")).ShouldSucceed()))
        {
            lostByChildDelete = [.. Assert.Single(deleteChild.RootElement.GetProperty("agents").EnumerateArray()).GetProperty("lost").EnumerateArray().Select(e => e.GetProperty("spiffeId").GetString()!)];
        }

        Assert.Equal(entriesBefore, await ListEntriesJsonAsync());
        using (var probe = ParseJson((await CliAsync("entry", "create", "--spiffe-id", WorkloadIdPrefix + "sim-probe", "--parent-id", agentId, "--selector", "unix:uid:54323", "--output", "json")).ShouldSucceed()))
        {
            // The store's revision did not move: the next real change gets the revision right after the last one.
            Assert.Equal(revisionBefore + 1, probe.RootElement.GetProperty("revisionNumber").GetInt64());
        }

        // The real delete does what its dry run said.
        Assert.Equal([child], lostByChildDelete);
        (await CliAsync("entry", "delete", "--id", childEntry)).ShouldSucceed();
        await WaitForSvidsAsync(agent, [parent]);
        Assert.Equal([parent], await SimulateAsync(agentId));
    }

    private async Task<IReadOnlyList<string>> SimulateAsync(string agentId)
    {
        using var json = ParseJson((await CliAsync("entry", "simulate", "--agent-id", agentId, "--selector", OwnUidSelector, "--output", "json")).ShouldSucceed());
        return [.. json.RootElement.GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("spiffeId").GetString()!).Order(StringComparer.Ordinal)];
    }

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
