using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Issuer.Revocation;
using IdentityIssuer.Issuer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

public sealed class AgentSyncTests : IClassFixture<IssuerHostFixture>
{
    private const string ServerId = "spiffe://example.org/identity-issuer/server";

    private readonly IssuerHostFixture _host;
    private readonly AgentTestClient _agents;

    public AgentSyncTests(IssuerHostFixture host)
    {
        _host = host;
        _agents = new AgentTestClient(host);
    }

    [Fact]
    public async Task Sync_ReturnsOwnEntries_AndEntriesUnderMatchingNodeAliases_ButNotTheAliasesOrOthers()
    {
        var cn = "sync-" + Guid.NewGuid().ToString("N")[..12];
        using var nodeCert = TestCertificates.CreateLeaf(_host.X509PopCa, spiffeId: null, s => s.Subject = $"CN={cn}");
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        var other = await _agents.AttestWithJoinTokenAsync();

        var own = await _agents.CreateEntryAsync(AgentTestClient.NewId("own"), agent.Id, "unix:uid:1000");
        var child = await _agents.CreateEntryAsync(AgentTestClient.NewId("child"), own.SpiffeId, "unix:uid:1001");
        var alias = await _agents.CreateEntryAsync(AgentTestClient.NewId("alias"), ServerId, $"x509pop:subject:cn:{cn}");
        var underAlias = await _agents.CreateEntryAsync(AgentTestClient.NewId("under-alias"), alias.SpiffeId, "unix:uid:1002");
        var grandchild = await _agents.CreateEntryAsync(AgentTestClient.NewId("grandchild"), underAlias.SpiffeId, "unix:uid:1003");
        var otherAlias = await _agents.CreateEntryAsync(AgentTestClient.NewId("other-alias"), ServerId, $"x509pop:subject:cn:{cn}", "x509pop:san:dns:not-this-node");
        var others = await _agents.CreateEntryAsync(AgentTestClient.NewId("others"), other.Id, "unix:uid:1000");
        var cycleA = await _agents.CreateEntryAsync(AgentTestClient.NewId("cycle-a"), own.SpiffeId, "unix:uid:1004");
        var cycleB = await _agents.CreateEntryAsync(cycleA.ParentId, cycleA.SpiffeId, "unix:uid:1005");

        var sync = await SyncAsync(agent.Svid, 0);

        // The alias entry names the node, not a workload on it: only the entries under it are the agent's.
        var expected = new[] { own.Id, child.Id, underAlias.Id, grandchild.Id, cycleA.Id, cycleB.Id }.Order(StringComparer.Ordinal);
        Assert.Equal(expected, sync.AuthorizedEntryIds);
        Assert.Equal(expected, sync.Entries.Select(e => e.Id));
        Assert.DoesNotContain(alias.Id, sync.AuthorizedEntryIds!);
        Assert.DoesNotContain(otherAlias.Id, sync.AuthorizedEntryIds!);
        Assert.DoesNotContain(others.Id, sync.AuthorizedEntryIds!);
        Assert.Null(sync.NextPageToken);
        Assert.True(sync.Revision >= grandchild.RevisionNumber);
        Assert.True(sync.BundleSequence >= 1);
        Assert.Contains("\"keys\"", sync.Bundle, StringComparison.Ordinal);
        var ownEntry = sync.Entries.Single(e => e.Id == own.Id);
        Assert.Equal(own.SpiffeId, ownEntry.SpiffeId);
        Assert.Equal(agent.Id, ownEntry.ParentId);
        Assert.Equal(["unix:uid:1000"], ownEntry.Selectors);
        Assert.Equal(600, ownEntry.X509SvidTtl);
        Assert.Equal(["svc.example.org"], ownEntry.DnsNames);
    }

    [Fact]
    public async Task Sync_PagesThroughChangedEntries_AuthorizedIdsOnlyOnTheLastPage()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await _agents.CreateEntryAsync(AgentTestClient.NewId($"paged-{i}"), agent.Id, $"unix:uid:{2000 + i}")).Id);
        }

        using var http = _agents.Http(agent.Svid);
        var seen = new List<string>();
        var pages = new List<SyncResponse>();
        string? token = null;
        do
        {
            var query = $"{AgentApiPaths.Sync}?afterRevision=0&pageSize=2" + (token is null ? string.Empty : $"&pageToken={Uri.EscapeDataString(token)}");
            var page = (await http.GetFromJsonAsync<SyncResponse>(new Uri(query, UriKind.Relative)))!;
            pages.Add(page);
            seen.AddRange(page.Entries.Select(e => e.Id));
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal(3, pages.Count);
        Assert.All(pages.Take(2), p => Assert.Null(p.AuthorizedEntryIds));
        Assert.Equal(created.Order(StringComparer.Ordinal), seen);
        Assert.Equal(created.Order(StringComparer.Ordinal), pages[^1].AuthorizedEntryIds);
        Assert.All(pages, p => Assert.Equal(pages[0].Revision, p.Revision));
    }

    [Fact]
    public async Task Sync_AfterRevision_ReturnsOnlyLaterChanges_AndDeletedEntriesLeaveTheAuthorizedIds()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var first = await _agents.CreateEntryAsync(AgentTestClient.NewId("first"), agent.Id, "unix:uid:3000");
        var gone = await _agents.CreateEntryAsync(AgentTestClient.NewId("gone"), agent.Id, "unix:uid:3001");
        var initial = await SyncAsync(agent.Svid, 0);

        var unchanged = await SyncAsync(agent.Svid, initial.Revision);
        var later = await _agents.CreateEntryAsync(AgentTestClient.NewId("later"), agent.Id, "unix:uid:3002");
        await _agents.Store.DeleteEntryAsync(gone.Id, CancellationToken.None);
        var incremental = await SyncAsync(agent.Svid, initial.Revision);

        Assert.Equal(new[] { first.Id, gone.Id }.Order(StringComparer.Ordinal), initial.AuthorizedEntryIds);
        Assert.Empty(unchanged.Entries);
        Assert.Equal(initial.AuthorizedEntryIds, unchanged.AuthorizedEntryIds);
        Assert.Equal(initial.Revision, unchanged.Revision);
        Assert.Equal([later.Id], incremental.Entries.Select(e => e.Id));
        Assert.Equal(new[] { first.Id, later.Id }.Order(StringComparer.Ordinal), incremental.AuthorizedEntryIds);
        Assert.True(incremental.Revision > initial.Revision);
    }

    [Fact]
    public async Task Sync_BadPageToken_Gets400()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        using var http = _agents.Http(agent.Svid);

        var response = await http.GetAsync(new Uri($"{AgentApiPaths.Sync}?pageToken=bm9wZQ", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("pageToken", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_CarriesTheCrls_OnlyWhenTheAgentsCrlVersionIsNotCurrent_AndANewOneAfterARevocation()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();

        var first = await SyncAsync(agent.Svid, 0);
        Assert.NotNull(first.Crls);
        Assert.NotEmpty(first.Crls);
        Assert.False(string.IsNullOrEmpty(first.CrlVersion));
        Assert.NotNull(first.TaintedAuthorities);

        var unchanged = await SyncAsync(agent.Svid, first.Revision, first.CrlVersion);
        Assert.Null(unchanged.Crls);
        Assert.Equal(first.CrlVersion, unchanged.CrlVersion);

        // Revoking the agent's own SVID (through the admin API's service) signs a new CRL listing it.
        var serial = Convert.ToHexStringLower(agent.Svid.SerialNumberBytes.Span);
        await _host.App.Services.GetRequiredService<SvidRevocationService>()
            .RevokeAsync(new SvidSelector(serial, null, null, null), "admin:uid:0", "test", CancellationToken.None);
        var after = await SyncAsync(agent.Svid, first.Revision, first.CrlVersion);

        Assert.NotEqual(first.CrlVersion, after.CrlVersion);
        Assert.NotNull(after.Crls);
        var listed = after.Crls.SelectMany(c => RevokedSerials(Convert.FromBase64String(c))).ToList();
        Assert.Contains(serial, listed);
    }

    private static IEnumerable<string> RevokedSerials(byte[] der)
    {
        var tbs = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence().ReadSequence();
        tbs.ReadInteger();
        tbs.ReadSequence();
        tbs.ReadEncodedValue();
        tbs.ReadUtcTime();
        tbs.ReadUtcTime();
        if (!tbs.HasData || tbs.PeekTag() != System.Formats.Asn1.Asn1Tag.Sequence)
        {
            yield break;
        }

        var list = tbs.ReadSequence();
        while (list.HasData)
        {
            yield return Convert.ToHexStringLower(list.ReadSequence().ReadIntegerBytes().Span);
        }
    }

    private async Task<SyncResponse> SyncAsync(X509Certificate2 svid, long afterRevision, string? crlVersion = null)
    {
        using var http = _agents.Http(svid);
        var query = $"{AgentApiPaths.Sync}?afterRevision={afterRevision}" + (crlVersion is null ? string.Empty : $"&crlVersion={Uri.EscapeDataString(crlVersion)}");
        var response = await http.GetAsync(new Uri(query, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonSerializer.Deserialize<SyncResponse>(body, JsonSerializerOptions.Web)!;
    }
}
