using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// Revocation as workloads see it through the agent: after an authority is tainted every SVID the agent
/// holds is re-issued by the new CA; after an SVID is revoked the workload receives a new one together
/// with the CRL that lists the old serial.
/// </summary>
public sealed class AgentRevocationTests : AgentTest
{
    public AgentRevocationTests(ITestOutputHelper output)
        : base(new IssuerProcess(), output, ownsIssuer: true)
    {
    }

    [Fact]
    public async Task TaintOfTheOldCa_ReissuesEveryWorkloadSvidAndTheAgentsOwn_FromTheNewCa()
    {
        var (agent, agentId) = await StartAgentAsync();
        string[] ids = [WorkloadIdPrefix + "taint-a", WorkloadIdPrefix + "taint-b"];
        foreach (var id in ids)
        {
            await CreateWorkloadEntryAsync(id, agentId, OwnUidSelector);
        }

        var before = await WaitForSvidsAsync(agent, ids);
        var oldCa = await ActiveX509AuthorityAsync();
        Assert.All(before, s => Assert.Equal(oldCa, s.SignedBy));

        using var prepared = ParseJson((await CliAsync("authority", "x509", "prepare", "--output", "json")).ShouldSucceed());
        var newCa = prepared.RootElement.GetProperty("id").GetString()!;
        (await CliAsync("authority", "x509", "activate")).ShouldSucceed();
        var mark = agent.LogMark;
        (await CliAsync("authority", "x509", "taint", "--id", oldCa)).ShouldSucceed();

        var after = await WaitForSvidsAsync(agent, ids, svids => svids.All(s => s.SignedBy == newCa), $"every SVID signed by {newCa}");
        Assert.Empty(after.Select(s => s.Serial).Intersect(before.Select(s => s.Serial)));
        foreach (var svid in after)
        {
            var files = await WriteSvidFilesAsync(svid, Path.Combine(agent.Directory, "after-taint", svid.SpiffeId.Split('/')[^1]));
            await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), svid.SpiffeId, Path.Combine(files, "bundle.pem"));
        }

        await agent.WaitForLogAsync("Renewed agent SVID", mark);
        Assert.Contains("signed by tainted authority " + oldCa, agent.LogSince(mark), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedSvid_WorkloadGetsANewSerial_AndTheCrlFromTheWorkloadApiListsTheOldOne()
    {
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "revoked";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        var (stream, first) = await WatchSvidAsync(agent, spiffeId);

        (await CliAsync("svid", "revoke", "--serial", first.Serial, "--reason", "end-to-end test")).ShouldSucceed();

        var (renewed, body) = await NextOtherSerialAsync(stream, first.Serial);
        Assert.Equal(spiffeId, renewed.SpiffeId);
        var bundleFile = Path.Combine(await WriteSvidFilesAsync(renewed, Path.Combine(agent.Directory, "renewed")), "bundle.pem");
        Assert.Contains(await CrlTextsAsync(NodeLines.Crls(body), bundleFile, "svid-response"), t => ListsSerial(t, first.Serial));

        // Asked afresh, the Workload API never hands out the revoked SVID again, and its bundle answer carries the CRL too.
        var again = await NodeAsync(agent, "FetchX509SVID", ["--count", "1"]);
        Assert.Equal(renewed.Serial, Assert.Single(NodeLines.X509Svids(again.Messages[0])).Serial);
        var bundles = await NodeAsync(agent, "FetchX509Bundles", ["--count", "1"]);
        Assert.Contains(await CrlTextsAsync(NodeLines.Crls(bundles.Messages[0]), bundleFile, "bundles-response"), t => ListsSerial(t, first.Serial));
    }

    [Fact]
    public async Task RevokingEverythingAnAgentObtained_AgentRenewsItsOwnSvidAtOnce_AndReplacesTheWorkloads()
    {
        var (agent, agentId) = await StartAgentAsync();
        var spiffeId = WorkloadIdPrefix + "agent-revoked";
        await CreateWorkloadEntryAsync(spiffeId, agentId, OwnUidSelector);
        var (stream, first) = await WatchSvidAsync(agent, spiffeId);
        var mark = agent.LogMark;

        (await CliAsync("svid", "revoke", "--agent-id", agentId)).ShouldSucceed();

        var (renewed, _) = await NextOtherSerialAsync(stream, first.Serial);
        Assert.Equal(spiffeId, renewed.SpiffeId);
        await agent.WaitForLogAsync("Renewed agent SVID", mark);
        var log = agent.LogSince(mark);
        Assert.Contains("revoked by a CRL", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Attested with", log, StringComparison.Ordinal);
        (await agent.HealthcheckAsync()).ShouldSucceed();
    }

    /// <summary>True when <c>openssl crl -text</c> output lists <paramref name="serial"/> (lowercase hex of the DER integer) as revoked.</summary>
    private static bool ListsSerial(string crlText, string serial)
    {
        var magnitude = serial.ToUpperInvariant();
        while (magnitude.StartsWith("00", StringComparison.Ordinal) && magnitude.Length > 2)
        {
            magnitude = magnitude[2..];
        }

        return crlText.Contains("Serial Number: " + magnitude, StringComparison.Ordinal);
    }

    private async Task<string> ActiveX509AuthorityAsync()
    {
        using var json = ParseJson((await CliAsync("authority", "x509", "show", "--output", "json")).ShouldSucceed());
        return json.RootElement.GetProperty("authorities").EnumerateArray()
            .Single(a => a.GetProperty("status").GetString() == "active")
            .GetProperty("id").GetString()!;
    }

    /// <summary>Writes each DER CRL to a file, checks its signature against <paramref name="bundleFile"/> with openssl and returns <c>openssl crl -text</c> of each.</summary>
    private async Task<IReadOnlyList<string>> CrlTextsAsync(IReadOnlyList<byte[]> crls, string bundleFile, string name)
    {
        Assert.NotEmpty(crls);
        var texts = new List<string>();
        for (var i = 0; i < crls.Count; i++)
        {
            var file = Path.Combine(Path.GetDirectoryName(bundleFile)!, $"{name}.{i}.crl");
            await File.WriteAllBytesAsync(file, crls[i]);
            var verified = (await OpenSslAsync("crl", "-inform", "DER", "-in", file, "-noout", "-CAfile", bundleFile)).ShouldSucceed();
            Assert.Contains("verify OK", verified.StdOut + verified.StdErr, StringComparison.Ordinal);
            texts.Add((await OpenSslAsync("crl", "-inform", "DER", "-in", file, "-noout", "-text")).ShouldSucceed().StdOut);
        }

        return texts;
    }
}
