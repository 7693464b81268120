using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Registration;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Tests.Common.Certificates;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

/// <summary>
/// What the issuance record keeps of an agent's request (node attestor, node selectors, the workload
/// selectors it reports, checked at the boundary), and that <c>entry simulate</c> names exactly the
/// entries the agent API syncs to the agent, node aliases and nested entries included.
/// </summary>
public sealed class AgentIssuanceContextTests : IClassFixture<IssuerHostFixture>
{
    private const string ServerId = "spiffe://example.org/identity-issuer/server";

    private readonly IssuerHostFixture _host;
    private readonly AgentTestClient _agents;

    public AgentIssuanceContextTests(IssuerHostFixture host)
    {
        _host = host;
        _agents = new AgentTestClient(host);
    }

    [Fact]
    public async Task SignX509_WithReportedWorkloadSelectors_RecordsThem_WithTheNodesAttestorAndSelectors()
    {
        var cn = "ctx-" + Guid.NewGuid().ToString("N")[..12];
        using var nodeCert = TestCertificates.CreateLeaf(_host.X509PopCa, spiffeId: null, s => s.Subject = $"CN={cn}");
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        var reported = await _agents.CreateEntryAsync(AgentTestClient.NewId("reported"), agent.Id, "unix:uid:1");
        var ahead = await _agents.CreateEntryAsync(AgentTestClient.NewId("ahead"), agent.Id, "unix:uid:2");
        var old = await _agents.CreateEntryAsync(AgentTestClient.NewId("old-agent"), agent.Id, "unix:uid:3");
        using var http = _agents.Http(agent.Svid);

        var response = await http.PostAsJsonAsync(AgentApiPaths.SignX509, new SignX509Request(
        [
            Item(reported.Id, ["unix:uid:1", "unix:gid:7", "unix:uid:1"]),
            Item(ahead.Id, []),
            Item(old.Id, null),
        ]));
        var records = (await _agents.Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = agent.Id }, CancellationToken.None)).Items
            .Where(r => r.EntryId is not null).ToDictionary(r => r.EntryId!);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["unix:gid:7", "unix:uid:1"], records[reported.Id].WorkloadSelectors);
        Assert.Empty(records[ahead.Id].WorkloadSelectors!);
        Assert.Null(records[old.Id].WorkloadSelectors);
        Assert.All(records.Values, r => Assert.Equal("x509pop", r.NodeAttestor));
        Assert.All(records.Values, r => Assert.Contains($"x509pop:subject:cn:{cn}", r.NodeSelectors!));
        Assert.Equal(reported.RevisionNumber, records[reported.Id].EntryRevision);
    }

    [Theory]
    [InlineData("no-colon", "items[0].workloadSelectors[0]")]
    [InlineData("unix:uid:1\u0001", "items[0].workloadSelectors[0]")]
    [InlineData("many", "holds 65 selectors; at most 64")]
    [InlineData("long", "characters long; at most 8192")]
    public async Task SignX509_WithBadWorkloadSelectors_Gets400NamingThem_AndSignsNothing(string what, string expected)
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var entry = await _agents.CreateEntryAsync(AgentTestClient.NewId("bad-report"), agent.Id, "unix:uid:1");
        using var http = _agents.Http(agent.Svid);
        IReadOnlyList<string> selectors = what switch
        {
            "many" => [.. Enumerable.Range(0, 65).Select(i => $"unix:gid:{i}")],
            "long" => [.. Enumerable.Range(0, 9).Select(i => $"unix:path:/{i}{new string('x', 1000)}")],
            _ => [what],
        };

        var response = await http.PostAsJsonAsync(AgentApiPaths.SignX509, new SignX509Request([Item(entry.Id, selectors)]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(expected, error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty((await _agents.Store.ListIssuanceRecordsAsync(new IssuanceFilter { EntryId = entry.Id }, CancellationToken.None)).Items);
    }

    [Fact]
    public async Task Simulate_WithANodeAliasAndNestedEntries_NamesTheSyncedEntriesTheWorkloadMatches()
    {
        var cn = "sim-" + Guid.NewGuid().ToString("N")[..12];
        using var nodeCert = TestCertificates.CreateLeaf(_host.X509PopCa, spiffeId: null, s => s.Subject = $"CN={cn}");
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        var alias = await _agents.CreateEntryAsync(AgentTestClient.NewId("alias"), ServerId, $"x509pop:subject:cn:{cn}");
        var underAlias = await _agents.CreateEntryAsync(AgentTestClient.NewId("under-alias"), alias.SpiffeId, "unix:uid:1");
        var nested = await _agents.CreateEntryAsync(AgentTestClient.NewId("nested"), underAlias.SpiffeId, "unix:uid:1", "unix:gid:1");
        var direct = await _agents.CreateEntryAsync(AgentTestClient.NewId("direct"), agent.Id, "unix:uid:2");
        using var http = _agents.Http(agent.Svid);
        var simulator = _host.App.Services.GetRequiredService<EntrySimulator>();

        var synced = (await http.GetFromJsonAsync<SyncResponse>(new Uri(AgentApiPaths.Sync, UriKind.Relative)))!;
        var uid1 = await simulator.SimulateAsync(new EntrySimulateRequest(agent.Id, ["unix:uid:1"]), CancellationToken.None);
        var uid1Gid1 = await simulator.SimulateAsync(new EntrySimulateRequest(agent.Id, ["unix:uid:1", "unix:gid:1", "unix:uid:9"]), CancellationToken.None);

        Assert.Equal(new[] { underAlias.Id, nested.Id, direct.Id }.Order(StringComparer.Ordinal), synced.AuthorizedEntryIds!.Order(StringComparer.Ordinal));
        Assert.Equal(synced.AuthorizedEntryIds!.Count, uid1.AuthorizedEntries);
        Assert.Equal([underAlias.SpiffeId], uid1.Matches.Select(m => m.SpiffeId));
        Assert.Equal(new[] { underAlias.SpiffeId, nested.SpiffeId }.Order(StringComparer.Ordinal), uid1Gid1.Matches.Select(m => m.SpiffeId));
    }

    [Fact]
    public async Task DryRunDelete_OfANodeAlias_NamesTheAgentAndItsLostEntries_AndStoresNothing()
    {
        var cn = "dry-" + Guid.NewGuid().ToString("N")[..12];
        using var nodeCert = TestCertificates.CreateLeaf(_host.X509PopCa, spiffeId: null, s => s.Subject = $"CN={cn}");
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        var alias = await _agents.CreateEntryAsync(AgentTestClient.NewId("alias"), ServerId, $"x509pop:subject:cn:{cn}");
        var underAlias = await _agents.CreateEntryAsync(AgentTestClient.NewId("under-alias"), alias.SpiffeId, "unix:uid:1");
        var simulator = _host.App.Services.GetRequiredService<EntrySimulator>();
        var revision = await _agents.Store.GetCurrentRevisionAsync(CancellationToken.None);

        var view = await simulator.DeleteAsync(alias.Id, CancellationToken.None);

        var impact = Assert.Single(view.Agents, a => a.AgentId == agent.Id);
        Assert.Equal([underAlias.Id], impact.Lost.Select(e => e.Id));
        Assert.False(view.Stored);
        Assert.Equal(revision, await _agents.Store.GetCurrentRevisionAsync(CancellationToken.None));
        Assert.NotNull(await _agents.Store.GetEntryAsync(alias.Id, CancellationToken.None));
    }

    private static SignX509Item Item(string entryId, IReadOnlyList<string>? workloadSelectors) =>
        new(entryId, Convert.ToBase64String(Csr.Create().Der), workloadSelectors);
}
