using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Tests.Api.Agent;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Issuer.Tests.Api;

/// <summary>Agent management on the admin socket, against agents attested over the real agent API.</summary>
public sealed class AgentAdminApiTests : IClassFixture<IssuerHostFixture>
{
    private readonly IssuerHostFixture _host;
    private readonly AgentTestClient _agents;

    public AgentAdminApiTests(IssuerHostFixture host)
    {
        _host = host;
        _agents = new AgentTestClient(host);
    }

    [Fact]
    public async Task Evict_RefusesTheAgentsNextCall_AndAnX509PopAgentReattests()
    {
        using var nodeCert = NodeCertificate("evict");
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        using var admin = Admin();

        var evict = await admin.PostAsJsonAsync("v1/agents/evict", new { agentId = agent.Id });
        var sync = await SyncAsync(agent.Svid);
        var again = await _agents.AttestWithX509PopAsync(nodeCert);
        var syncAgain = await SyncAsync(again.Svid);

        Assert.Equal(HttpStatusCode.OK, evict.StatusCode);
        Assert.Equal(agent.Id, (await evict.Content.ReadFromJsonAsync<AgentView>())!.AgentId);
        Assert.Equal(HttpStatusCode.Forbidden, sync.Status);
        Assert.Contains("not attested", sync.Body, StringComparison.Ordinal);
        Assert.Equal(agent.Id, again.Id);
        Assert.Equal(HttpStatusCode.OK, syncAgain.Status);
    }

    [Fact]
    public async Task Ban_RefusesSyncAndReattestation_UntilUnbanned()
    {
        using var nodeCert = NodeCertificate("ban");
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        using var admin = Admin();

        var ban = await admin.PostAsJsonAsync("v1/agents/ban", new { agentId = agent.Id });
        var sync = await SyncAsync(agent.Svid);
        var reattest = await _agents.AttestAsync("x509pop", await X509PopPayloadAsync(nodeCert), Csr.Create().Der);
        var shown = await admin.GetFromJsonAsync<AgentView>($"v1/agents/{Uri.EscapeDataString(agent.Id)}");
        var unban = await admin.PostAsJsonAsync("v1/agents/unban", new { agentId = agent.Id });
        var afterUnban = await _agents.AttestWithX509PopAsync(nodeCert);
        var syncAfterUnban = await SyncAsync(afterUnban.Svid);

        Assert.Equal(HttpStatusCode.OK, ban.StatusCode);
        Assert.True((await ban.Content.ReadFromJsonAsync<AgentView>())!.Banned);
        Assert.Equal(HttpStatusCode.Forbidden, sync.Status);
        Assert.Contains("banned", sync.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, reattest.StatusCode);
        Assert.Contains("banned", await reattest.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(shown!.Banned);
        Assert.Equal(HttpStatusCode.OK, unban.StatusCode);
        Assert.False((await unban.Content.ReadFromJsonAsync<AgentView>())!.Banned);
        Assert.Equal(HttpStatusCode.OK, syncAfterUnban.Status);
    }

    [Fact]
    public async Task Unban_LetsTheAgentCallAgainWithTheSvidItHolds()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        using var admin = Admin();

        (await admin.PostAsJsonAsync("v1/agents/ban", new { agentId = agent.Id })).EnsureSuccessStatusCode();
        var whileBanned = await SyncAsync(agent.Svid);
        (await admin.PostAsJsonAsync("v1/agents/unban", new { agentId = agent.Id })).EnsureSuccessStatusCode();
        var afterUnban = await SyncAsync(agent.Svid);

        Assert.Equal(HttpStatusCode.Forbidden, whileBanned.Status);
        Assert.Equal(HttpStatusCode.OK, afterUnban.Status);
    }

    [Fact]
    public async Task ListAndShow_DescribeTheAttestedNode()
    {
        using var nodeCert = NodeCertificate("list");
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        var joined = await _agents.AttestWithJoinTokenAsync();
        using var admin = Admin();

        var all = new List<AgentView>();
        string? token = null;
        do
        {
            var page = await admin.GetFromJsonAsync<AgentListView>($"v1/agents?pageSize=1{(token is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(token))}");
            all.AddRange(page!.Agents);
            token = page.NextPageToken;
        }
        while (token is not null);
        var shown = await admin.GetFromJsonAsync<AgentView>($"v1/agents/{Uri.EscapeDataString(agent.Id)}");

        Assert.Contains(all, a => a.AgentId == joined.Id && a.AttestationType == "join_token" && !a.CanReattest);
        var listed = Assert.Single(all, a => a.AgentId == agent.Id);
        Assert.Equal(listed with { Selectors = [] }, shown! with { Selectors = [] });
        Assert.Equal(listed.Selectors, shown.Selectors);
        Assert.Equal("x509pop", shown!.AttestationType);
        Assert.Equal(agent.Svid.SerialNumber.ToLowerInvariant(), shown.SvidSerial);
        Assert.Equal(new DateTimeOffset(agent.Svid.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), shown.SvidExpiresAt.ToUnixTimeSeconds());
        Assert.True(shown.CanReattest);
        Assert.False(shown.Banned);
        Assert.Contains(shown.Selectors, s => s.StartsWith("x509pop:subject:cn:", StringComparison.Ordinal));
        Assert.True(shown.LastSeenAt > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Theory]
    [InlineData("evict")]
    [InlineData("ban")]
    [InlineData("unban")]
    public async Task Actions_OnAnUnknownAgent_Return404NamingIt(string action)
    {
        const string unknown = "spiffe://example.org/identity-issuer/agent/x509pop/0000000000000000000000000000000000000000";
        using var admin = Admin();

        var response = await admin.PostAsJsonAsync($"v1/agents/{action}", new { agentId = unknown });
        var show = await admin.GetAsync($"v1/agents/{Uri.EscapeDataString(unknown)}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(unknown, (await response.Content.ReadFromJsonAsync<ErrorView>())!.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, show.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a spiffe id")]
    [InlineData("spiffe://example.org/workload")]
    [InlineData("spiffe://other.org/identity-issuer/agent/join_token/abc")]
    public async Task Actions_WithABadAgentId_Return400NamingTheField(string agentId)
    {
        using var admin = Admin();

        foreach (var action in new[] { "evict", "ban", "unban" })
        {
            var response = await admin.PostAsJsonAsync($"v1/agents/{action}", new { agentId });
            var error = await response.Content.ReadFromJsonAsync<ErrorView>();

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("agentId", Assert.Single(error!.Errors!).Field);
        }

        if (agentId.Length > 0)
        {
            var show = await admin.GetAsync($"v1/agents/{Uri.EscapeDataString(agentId)}");
            Assert.Equal(HttpStatusCode.BadRequest, show.StatusCode);
            Assert.Equal("id", Assert.Single((await show.Content.ReadFromJsonAsync<ErrorView>())!.Errors!).Field);
        }
    }

    [Fact]
    public async Task List_WithABadPageToken_Returns400NamingIt()
    {
        using var admin = Admin();

        var response = await admin.GetAsync("v1/agents?pageToken=%21%21");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("pageToken", Assert.Single((await response.Content.ReadFromJsonAsync<ErrorView>())!.Errors!).Field);
    }

    [Fact]
    public async Task Ban_RevokesTheSvidsTheAgentObtained()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var serial = Convert.ToHexStringLower(agent.Svid.SerialNumberBytes.Span);
        using var admin = Admin();

        var ban = await admin.PostAsJsonAsync("v1/agents/ban", new { agentId = agent.Id });

        Assert.Equal(HttpStatusCode.OK, ban.StatusCode);
        var revoked = await _agents.Store.ListRevokedSvidsAsync(null, CancellationToken.None);
        var own = Assert.Single(revoked, r => r.Serial == serial);
        Assert.Equal((agent.Id, "agent banned"), (own.SpiffeId, own.Reason));
        Assert.StartsWith("ban:admin:uid:", own.Caller, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}", "serial", "say which SVIDs to revoke: one of serial, spiffeId, entryId or agentId")]
    [InlineData("{\"serial\":\"0a\",\"entryId\":\"e\"}", "serial", "give only one of serial, spiffeId, entryId or agentId")]
    [InlineData("{\"serial\":\"xyz\"}", "serial", "'xyz' is not a certificate serial number (hex, e.g. as 'openssl x509 -serial' prints it)")]
    [InlineData("{\"spiffeId\":\"spiffe://other.org/web\"}", "spiffeId", "'spiffe://other.org/web' is not in trust domain example.org")]
    [InlineData("{\"agentId\":\"spiffe://example.org/web\"}", "agentId", "'spiffe://example.org/web' is not an agent ID (agent IDs are spiffe://example.org/identity-issuer/agent/…)")]
    public async Task SvidRevoke_WithBadInput_Is400NamingTheField_AndRevokesNothing(string body, string field, string message)
    {
        using var admin = Admin();
        var before = (await _agents.Store.ListRevokedSvidsAsync(null, CancellationToken.None)).Count;

        var response = await admin.PostAsync("v1/svids/revoke", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = Assert.Single((await response.Content.ReadFromJsonAsync<ErrorView>())!.Errors!);
        Assert.Equal((field, message), (error.Field, error.Message));
        Assert.Equal(before, (await _agents.Store.ListRevokedSvidsAsync(null, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task SvidRevoke_OfAnUnknownSerial_Is404()
    {
        using var admin = Admin();

        var response = await admin.PostAsJsonAsync("v1/svids/revoke", new { serial = "AB:CD:EF:01" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("no unexpired X509-SVID with serial abcdef01 is in the issuance record", (await response.Content.ReadFromJsonAsync<ErrorView>())!.Error);
    }

    private HttpClient Admin() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_host.SocketPath), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://admin.sock/") };

    private async Task<(HttpStatusCode Status, string Body)> SyncAsync(X509Certificate2 svid)
    {
        using var http = _agents.Http(svid);
        using var response = await http.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<System.Text.Json.JsonElement> X509PopPayloadAsync(X509Certificate2 nodeCert)
    {
        var directory = Path.Combine(_host.Directory, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var certFile = Path.Combine(directory, "node.pem");
        var keyFile = Path.Combine(directory, "node.key");
        await File.WriteAllTextAsync(certFile, nodeCert.ExportCertificatePem());
        using (var key = nodeCert.GetECDsaPrivateKey()!)
        {
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        }

        var client = new IdentityIssuer.Attestation.Node.X509PopAttestorClient(certFile, keyFile);
        return await client.BuildPayloadAsync(await _agents.ChallengeAsync(), CancellationToken.None);
    }

    private X509Certificate2 NodeCertificate(string name)
    {
        var unique = $"{name}-{Guid.NewGuid():N}"[..20];
        return TestCertificates.CreateLeaf(_host.X509PopCa, spiffeId: null, s =>
        {
            s.Subject = $"CN={unique}";
            s.DnsNames.Add($"{unique}.nodes.example");
        });
    }
}
