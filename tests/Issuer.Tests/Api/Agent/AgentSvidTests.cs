using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe.Jwt;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

public sealed class AgentSvidTests : IClassFixture<IssuerHostFixture>
{
    private const string ServerId = "spiffe://example.org/identity-issuer/server";

    private readonly IssuerHostFixture _host;
    private readonly AgentTestClient _agents;

    public AgentSvidTests(IssuerHostFixture host)
    {
        _host = host;
        _agents = new AgentTestClient(host);
    }

    [Fact]
    public async Task SignX509_AnAuthorizedBatch_SignsEveryEntry_AndRecordsTheAgentAsCaller()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var a = await _agents.CreateEntryAsync(AgentTestClient.NewId("a"), agent.Id, "unix:uid:1");
        var b = await _agents.CreateEntryAsync(AgentTestClient.NewId("b"), a.SpiffeId, "unix:uid:2");
        using var http = _agents.Http(agent.Svid);

        var response = await http.PostAsJsonAsync(AgentApiPaths.SignX509, new SignX509Request([Item(a.Id), Item(b.Id)]));
        var signed = (await response.Content.ReadFromJsonAsync<SignX509Response>())!;
        var records = await _agents.Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = agent.Id }, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([a.Id, b.Id], signed.Svids.Select(s => s.EntryId));
        Assert.Equal([a.SpiffeId, b.SpiffeId], signed.Svids.Select(s => s.SpiffeId));
        var bundle = new X509BundleSet([_agents.OwnBundle().ToX509Bundle()]);
        foreach (var svid in signed.Svids)
        {
            using var leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(svid.Chain[0]));
            var result = X509SvidValidator.Validate([leaf], bundle, DateTimeOffset.UtcNow);
            Assert.True(result.IsValid, result.Error);
            Assert.Equal(svid.SpiffeId, result.Id!.ToString());
            Assert.Equal(["svc.example.org"], new X509SubjectAlternativeNameExtension(leaf.Extensions["2.5.29.17"]!.RawData).EnumerateDnsNames());
            Assert.InRange((leaf.NotAfter - leaf.NotBefore).TotalSeconds, 600, 611);
        }

        Assert.Equal(new[] { a.Id, b.Id }.Order(StringComparer.Ordinal), records.Items.Select(r => r.EntryId!).Order(StringComparer.Ordinal));
        Assert.All(records.Items, r => Assert.Equal(agent.Id, r.Caller));
    }

    [Fact]
    public async Task SignX509_ABatchWithAnUnauthorizedEntry_IsRefusedWhole_AndNothingIsRecorded()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var other = await _agents.AttestWithJoinTokenAsync();
        var mine = await _agents.CreateEntryAsync(AgentTestClient.NewId("mine"), agent.Id, "unix:uid:1");
        var theirs = await _agents.CreateEntryAsync(AgentTestClient.NewId("theirs"), other.Id, "unix:uid:1");
        using var http = _agents.Http(agent.Svid);

        var response = await http.PostAsJsonAsync(AgentApiPaths.SignX509, new SignX509Request([Item(mine.Id), Item(theirs.Id)]));
        var records = await _agents.Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = agent.Id }, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(theirs.Id, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(records.Items);
    }

    [Fact]
    public async Task SignX509_AnEntryWhoseTtlExceedsTheMax_IsCappedAtTheMax_AndTheOthersAreStillSigned()
    {
        // An entry stored before Issuer:MaxX509SvidTtl (30 days here) was lowered below its TTL.
        var agent = await _agents.AttestWithJoinTokenAsync();
        var first = await _agents.CreateEntryAsync(AgentTestClient.NewId("first"), agent.Id, "unix:uid:1");
        var tooLong = await _agents.Store.CreateEntryAsync(
            new RegistrationEntry
            {
                SpiffeId = AgentTestClient.NewId("too-long"),
                ParentId = agent.Id,
                Selectors = [Attestation.Selectors.Selector.Parse("unix:uid:2")],
                X509SvidTtlSeconds = (int)TimeSpan.FromDays(31).TotalSeconds,
                JwtSvidTtlSeconds = 300,
            },
            CancellationToken.None);
        var last = await _agents.CreateEntryAsync(AgentTestClient.NewId("last"), agent.Id, "unix:uid:3");
        using var http = _agents.Http(agent.Svid);

        var response = await http.PostAsJsonAsync(AgentApiPaths.SignX509, new SignX509Request([Item(first.Id), Item(tooLong.Id), Item(last.Id)]));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var signed = System.Text.Json.JsonSerializer.Deserialize<SignX509Response>(body, System.Text.Json.JsonSerializerOptions.Web)!;
        Assert.Equal([first.Id, tooLong.Id, last.Id], signed.Svids.Select(s => s.EntryId));
        var lifetimes = signed.Svids.Select(svid =>
        {
            using var leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(svid.Chain[0]));
            return leaf.NotAfter - leaf.NotBefore;
        }).ToList();
        Assert.InRange(lifetimes[0].TotalSeconds, 600, 611);
        Assert.True(lifetimes[1] <= TimeSpan.FromDays(30) + TimeSpan.FromSeconds(11), $"lifetime {lifetimes[1]} exceeds the 30-day maximum");
        Assert.InRange(lifetimes[2].TotalSeconds, 600, 611);
    }

    [Fact]
    public async Task MintJwt_ForAnEntryWhoseTtlExceedsTheMax_IsCappedAtTheMax()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var tooLong = await _agents.Store.CreateEntryAsync(
            new RegistrationEntry
            {
                SpiffeId = AgentTestClient.NewId("jwt-too-long"),
                ParentId = agent.Id,
                Selectors = [Attestation.Selectors.Selector.Parse("unix:uid:2")],
                X509SvidTtlSeconds = 600,
                JwtSvidTtlSeconds = (int)TimeSpan.FromDays(2).TotalSeconds,
            },
            CancellationToken.None);
        using var http = _agents.Http(agent.Svid);

        var response = await http.PostAsJsonAsync(AgentApiPaths.MintJwt, new MintJwtRequest(tooLong.Id, ["aud"]));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var minted = System.Text.Json.JsonSerializer.Deserialize<MintJwtResponse>(body, System.Text.Json.JsonSerializerOptions.Web)!;
        Assert.True(minted.ExpiresAt <= DateTimeOffset.UtcNow + TimeSpan.FromDays(1), $"expiry {minted.ExpiresAt:O} is beyond the 1-day maximum");
    }

    [Fact]
    public async Task SignX509_ABadCsr_Gets400NamingTheItem()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var mine = await _agents.CreateEntryAsync(AgentTestClient.NewId("mine"), agent.Id, "unix:uid:1");
        using var http = _agents.Http(agent.Svid);

        var response = await http.PostAsJsonAsync(AgentApiPaths.SignX509, new SignX509Request([Item(mine.Id), new SignX509Item(mine.Id, "AAAA")]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("items[1].csr", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignX509_ForTheNodeAliasEntryItself_Gets403_WhileAnEntryUnderTheAliasIsSigned()
    {
        var cn = "alias-" + Guid.NewGuid().ToString("N")[..12];
        using var nodeCert = TestCertificates.CreateLeaf(_host.X509PopCa, spiffeId: null, s => s.Subject = $"CN={cn}");
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        var alias = await _agents.CreateEntryAsync(AgentTestClient.NewId("node-alias"), ServerId, $"x509pop:subject:cn:{cn}");
        var underAlias = await _agents.CreateEntryAsync(AgentTestClient.NewId("under-alias"), alias.SpiffeId, "unix:uid:1");
        using var http = _agents.Http(agent.Svid);

        var aliasX509 = await http.PostAsJsonAsync(AgentApiPaths.SignX509, new SignX509Request([Item(alias.Id)]));
        var aliasJwt = await http.PostAsJsonAsync(AgentApiPaths.MintJwt, new MintJwtRequest(alias.Id, ["inventory-api"]));
        var workload = await http.PostAsJsonAsync(AgentApiPaths.SignX509, new SignX509Request([Item(underAlias.Id)]));
        var records = await _agents.Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = agent.Id }, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Forbidden, aliasX509.StatusCode);
        using var error = JsonDocument.Parse(await aliasX509.Content.ReadAsStringAsync());
        Assert.Contains($"entry '{alias.Id}' is not authorized", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, aliasJwt.StatusCode);
        Assert.Equal(HttpStatusCode.OK, workload.StatusCode);
        var signed = Assert.Single((await workload.Content.ReadFromJsonAsync<SignX509Response>())!.Svids);
        Assert.Equal(underAlias.SpiffeId, signed.SpiffeId);
        Assert.Equal([underAlias.Id], records.Items.Select(r => r.EntryId));
    }

    [Fact]
    public async Task MintJwt_ForAnAuthorizedEntry_ValidatesAgainstTheBundle()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var entry = await _agents.CreateEntryAsync(AgentTestClient.NewId("jwt"), agent.Id, "unix:uid:1");
        using var http = _agents.Http(agent.Svid);

        var response = await http.PostAsJsonAsync(AgentApiPaths.MintJwt, new MintJwtRequest(entry.Id, ["inventory-api"]));
        var minted = (await response.Content.ReadFromJsonAsync<MintJwtResponse>())!;
        var result = JwtSvidValidator.Validate(minted.Token, ["inventory-api"], new JwtBundleSet([_agents.OwnBundle()]), DateTimeOffset.UtcNow);
        var records = await _agents.Store.ListIssuanceRecordsAsync(new IssuanceFilter { Caller = agent.Id }, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(entry.SpiffeId, minted.SpiffeId);
        Assert.Equal(SvidKind.Jwt, Assert.Single(records.Items).Kind);
    }

    [Fact]
    public async Task MintJwt_ForAnotherAgentsEntry_Gets403()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var other = await _agents.AttestWithJoinTokenAsync();
        var theirs = await _agents.CreateEntryAsync(AgentTestClient.NewId("theirs"), other.Id, "unix:uid:1");
        using var http = _agents.Http(agent.Svid);

        var response = await http.PostAsJsonAsync(AgentApiPaths.MintJwt, new MintJwtRequest(theirs.Id, ["inventory-api"]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static SignX509Item Item(string entryId) => new(entryId, Convert.ToBase64String(Csr.Create().Der));
}
