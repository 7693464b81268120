using System.Net;
using System.Net.Http.Json;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Tests.Common.Certificates;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

public sealed class AgentMtlsTests : IClassFixture<IssuerHostFixture>
{
    private readonly IssuerHostFixture _host;
    private readonly AgentTestClient _agents;

    public AgentMtlsTests(IssuerHostFixture host)
    {
        _host = host;
        _agents = new AgentTestClient(host);
    }

    [Fact]
    public async Task Sync_WithoutAClientCertificate_Gets401()
    {
        using var http = _agents.Http();

        var response = await http.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("client certificate is required", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_WithAWorkloadSvid_Gets403()
    {
        var (csr, key) = Csr.Create();
        var minted = await _host.App.Services.GetRequiredService<X509SvidMinter>().MintAsync(
            new X509SvidParams { SpiffeId = SpiffeId.Parse("spiffe://example.org/workload/web"), Csr = csr, Caller = "test" },
            CancellationToken.None);
        using var svid = AgentTestClient.WithKey(Convert.ToBase64String(minted.CertificateDer), key);
        using var http = _agents.Http(svid);

        var response = await http.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("is not an agent ID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_WithACertificateFromAnotherCa_Gets401()
    {
        using var ca = TestCertificates.CreateRootCa("spiffe://example.org");
        using var forged = TestCertificates.CreateLeaf(ca, "spiffe://example.org/identity-issuer/agent/join_token/0123456789abcdef0123456789abcdef");
        using var http = _agents.Http(forged);

        var response = await http.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Renew_GivesANewSvid_AndOnceItIsUsedTheOldOneIsRefusedWith403()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        using var oldClient = _agents.Http(agent.Svid);
        var (csr, key) = Csr.Create();

        var renew = await oldClient.PostAsJsonAsync(AgentApiPaths.Renew, new RenewRequest(Convert.ToBase64String(csr)));
        var renewed = await renew.Content.ReadFromJsonAsync<RenewResponse>();
        using var newSvid = AgentTestClient.WithKey(renewed!.SvidChain[0], key);
        using var newClient = _agents.Http(newSvid);
        var withNew = await newClient.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));
        using var oldClientAgain = _agents.Http(agent.Svid);
        var withOld = await oldClientAgain.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));
        var node = await _agents.Store.GetAttestedNodeAsync(agent.Id, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, renew.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withOld.StatusCode);
        Assert.Contains("no longer", await withOld.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(newSvid.SerialNumber.ToLowerInvariant(), node!.CertificateSerial);
        Assert.Contains(agent.Id, newSvid.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.UrlName, false), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renew_WhenTheReplyIsLost_RenewingAgainWithTheOldSvidWorks_AndOnlyTheSvidInUseStaysValid()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var (csr, key) = Csr.Create();
        var request = new RenewRequest(Convert.ToBase64String(csr));

        // The first renewal commits but its reply never reaches the agent, which fails over and asks again with the old SVID.
        using var lostClient = _agents.Http(agent.Svid);
        var lost = await lostClient.PostAsJsonAsync(AgentApiPaths.Renew, request);
        var lostReply = (await lost.Content.ReadFromJsonAsync<RenewResponse>())!;
        using var lostSvid = AgentTestClient.WithKey(lostReply.SvidChain[0], key);
        using var retryClient = _agents.Http(agent.Svid);
        var retry = await retryClient.PostAsJsonAsync(AgentApiPaths.Renew, request);
        var retryBody = await retry.Content.ReadAsStringAsync();
        Assert.True(retry.IsSuccessStatusCode, retryBody);
        var renewed = System.Text.Json.JsonSerializer.Deserialize<RenewResponse>(retryBody, System.Text.Json.JsonSerializerOptions.Web)!;
        using var newSvid = AgentTestClient.WithKey(renewed.SvidChain[0], key);
        using var newClient = _agents.Http(newSvid);
        var withNew = await newClient.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));
        var (nextCsr, nextKey) = Csr.Create();
        nextKey.Dispose();
        var renewAgain = await newClient.PostAsJsonAsync(AgentApiPaths.Renew, new RenewRequest(Convert.ToBase64String(nextCsr)));
        using var oldClient = _agents.Http(agent.Svid);
        var withOld = await oldClient.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));
        using var lostSvidClient = _agents.Http(lostSvid);
        var withLost = await lostSvidClient.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, lost.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renewAgain.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withOld.StatusCode);
        Assert.Contains("no longer", await withOld.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, withLost.StatusCode);
    }

    [Fact]
    public async Task EvictedAgent_Gets403()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        await _agents.Store.DeleteAttestedNodeAsync(agent.Id, CancellationToken.None);
        using var http = _agents.Http(agent.Svid);

        var response = await http.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("not attested", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentPort_DoesNotServeTheAdminApi()
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        using var http = _agents.Http(agent.Svid);

        var health = await http.GetAsync(new Uri("/v1/health", UriKind.Relative));
        var entries = await http.GetAsync(new Uri("/v1/entries", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, entries.StatusCode);
    }

    [Fact]
    public async Task WrongMethod_Gets405()
    {
        using var http = _agents.Http();

        var response = await http.GetAsync(new Uri(AgentApiPaths.Attest, UriKind.Relative));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }
}
