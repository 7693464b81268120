using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Issuer.Api.Admin;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

public sealed class AgentAttestTests : IClassFixture<IssuerHostFixture>
{
    private readonly IssuerHostFixture _host;
    private readonly AgentTestClient _agents;

    public AgentAttestTests(IssuerHostFixture host)
    {
        _host = host;
        _agents = new AgentTestClient(host);
    }

    [Fact]
    public async Task JoinToken_AttestsOnce_TheSecondUseIsRefused()
    {
        var token = await _agents.NewJoinTokenAsync();
        var payload = await new JoinTokenAttestorClient(token).BuildPayloadAsync(null, CancellationToken.None);

        var first = await _agents.AttestAsync("join_token", payload, Csr.Create().Der);
        var second = await _agents.AttestAsync("join_token", payload, Csr.Create().Der);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, second.StatusCode);
        Assert.Contains("join token is unknown, expired or already used", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JoinToken_TwoRacingAttestations_ExactlyOneSucceeds()
    {
        var token = await _agents.NewJoinTokenAsync();
        var payload = await new JoinTokenAttestorClient(token).BuildPayloadAsync(null, CancellationToken.None);

        var responses = await Task.WhenAll(
            _agents.AttestAsync("join_token", payload, Csr.Create().Der),
            _agents.AttestAsync("join_token", payload, Csr.Create().Der));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task JoinToken_Expired_IsRefused()
    {
        var token = await _agents.NewJoinTokenAsync(TimeSpan.FromSeconds(-1));
        var payload = await new JoinTokenAttestorClient(token).BuildPayloadAsync(null, CancellationToken.None);

        var response = await _agents.AttestAsync("join_token", payload, Csr.Create().Der);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task JoinToken_AgentSvidChainsToTheBundle_AndCarriesTheAgentIdTheTokenNames()
    {
        var token = await _agents.NewJoinTokenAsync();
        var payload = await new JoinTokenAttestorClient(token).BuildPayloadAsync(null, CancellationToken.None);

        var agent = await _agents.AttestOkAsync("join_token", payload);
        var bundle = SpiffeBundle.Parse(AgentTestClient.TrustDomain, System.Text.Encoding.UTF8.GetBytes(agent.Attested.Bundle));
        var result = X509SvidValidator.Validate([agent.Svid], new X509BundleSet([bundle.ToX509Bundle()]), DateTimeOffset.UtcNow);
        var node = await _agents.Store.GetAttestedNodeAsync(agent.Id, CancellationToken.None);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(JoinTokens.AgentId(AgentTestClient.TrustDomain, JoinTokens.Hash(token)).ToString(), agent.Id);
        Assert.Equal(agent.Id, result.Id!.ToString());
        Assert.StartsWith("spiffe://example.org/identity-issuer/agent/join_token/", agent.Id, StringComparison.Ordinal);
        Assert.False(agent.Attested.CanReattest);
        Assert.NotNull(node);
        Assert.Equal(agent.Svid.SerialNumber.ToLowerInvariant(), node.CertificateSerial);
        Assert.Equal("join_token", node.AttestationType);
        Assert.Empty(node.Selectors);
        var records = await _agents.Store.ListIssuanceRecordsAsync(new IdentityIssuer.Issuer.Datastore.IssuanceFilter { Serial = node.CertificateSerial }, CancellationToken.None);
        Assert.Equal("attestation:join_token", Assert.Single(records.Items).Caller);
    }

    [Fact]
    public async Task UnknownAttestor_Gets400NamingIt()
    {
        var response = await _agents.AttestAsync("tpm_magic", JsonDocument.Parse("{}").RootElement, Csr.Create().Der);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'tpm_magic'", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadCsr_Gets400_AndDoesNotSpendTheToken()
    {
        var token = await _agents.NewJoinTokenAsync();
        var payload = await new JoinTokenAttestorClient(token).BuildPayloadAsync(null, CancellationToken.None);

        var bad = await _agents.AttestAsync("join_token", payload, [1, 2, 3]);
        var good = await _agents.AttestAsync("join_token", payload, Csr.Create().Der);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Fact]
    public async Task X509Pop_WithAFreshNonce_AdmitsTheNodeWithItsSelectors_AndMayReattest()
    {
        using var nodeCert = NodeCertificate("node-a", out var cn);

        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        var again = await _agents.AttestWithX509PopAsync(nodeCert);
        var node = await _agents.Store.GetAttestedNodeAsync(agent.Id, CancellationToken.None);

        var fingerprint = Convert.ToHexStringLower(nodeCert.GetCertHash(HashAlgorithmName.SHA1));
        var caFingerprint = Convert.ToHexStringLower(_host.X509PopCa.GetCertHash(HashAlgorithmName.SHA1));
        Assert.Equal($"spiffe://example.org/identity-issuer/agent/x509pop/{fingerprint}", agent.Id);
        Assert.True(agent.Attested.CanReattest);
        Assert.Equal(agent.Id, again.Id);
        Assert.NotNull(node);
        Assert.Equal(again.Svid.SerialNumber.ToLowerInvariant(), node.CertificateSerial);
        Assert.True(node.CanReattest);
        Assert.Equal(
            new[] { $"x509pop:ca:fingerprint:{caFingerprint}", $"x509pop:san:dns:{cn}.nodes.example", $"x509pop:subject:cn:{cn}" }.Order(StringComparer.Ordinal),
            node.Selectors);
    }

    [Fact]
    public async Task X509Pop_ReusedNonce_IsRefused()
    {
        using var nodeCert = NodeCertificate("node-b", out _);
        var challenge = await _agents.ChallengeAsync();
        var payload = Payload(nodeCert, challenge.Nonce, Sign(nodeCert, challenge.Nonce));

        var first = await _agents.AttestAsync("x509pop", payload, Csr.Create().Der);
        var second = await _agents.AttestAsync("x509pop", payload, Csr.Create().Der);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, second.StatusCode);
        Assert.Contains("nonce", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task X509Pop_UnknownNonce_IsRefused()
    {
        using var nodeCert = NodeCertificate("node-c", out _);
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        var response = await _agents.AttestAsync("x509pop", Payload(nodeCert, nonce, Sign(nodeCert, nonce)), Csr.Create().Der);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("nonce is unknown, expired or already used", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task X509Pop_BadSignature_IsRefused_AndNothingIsWritten()
    {
        using var nodeCert = NodeCertificate("node-d", out _);
        var challenge = await _agents.ChallengeAsync();
        var otherNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        var response = await _agents.AttestAsync("x509pop", Payload(nodeCert, challenge.Nonce, Sign(nodeCert, otherNonce)), Csr.Create().Der);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("signature", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await _agents.Store.GetAttestedNodeAsync("spiffe://example.org" + X509PopAttestor.AgentPathFor(nodeCert), CancellationToken.None));
    }

    [Fact]
    public async Task X509Pop_CertificateFromAnotherCa_IsRefused()
    {
        using var otherCa = TestCertificates.CreateRootCa(spiffeId: null);
        using var nodeCert = TestCertificates.CreateLeaf(otherCa, spiffeId: null, s => s.Subject = "CN=stranger");
        var challenge = await _agents.ChallengeAsync();

        var response = await _agents.AttestAsync("x509pop", Payload(nodeCert, challenge.Nonce, Sign(nodeCert, challenge.Nonce)), Csr.Create().Der);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("does not chain to a trusted CA", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Challenge_OverTheLimitForOneAddress_Gets429NamingTheLimit_AndAnotherAddressStillAttests()
    {
        // The flood comes from another loopback address than the other tests' calls, which it must not disturb.
        using var flooder = _agents.Http(from: IPAddress.Parse("127.0.0.5"));
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 17; i++)
        {
            last = await flooder.PostAsJsonAsync(AgentApiPaths.Challenge, new ChallengeRequest(X509PopAttestor.AttestorName));
            statuses.Add(last.StatusCode);
        }

        var refusal = await last.Content.ReadAsStringAsync();
        using var nodeCert = NodeCertificate("node-flood", out _);
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);

        Assert.All(statuses[..16], status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[16]);
        Assert.Contains("127.0.0.5", refusal, StringComparison.Ordinal);
        Assert.Contains("AgentApi:X509Pop:MaxChallengesPerAddress", refusal, StringComparison.Ordinal);
        Assert.Equal("spiffe://example.org" + X509PopAttestor.AgentPathFor(nodeCert), agent.Id);
    }

    [Fact]
    public async Task Challenge_ForJoinToken_Gets400()
    {
        using var http = _agents.Http();

        var response = await http.PostAsJsonAsync(AgentApiPaths.Challenge, new ChallengeRequest("join_token"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task BannedNode_IsRefusedAtAttestationAndOnEveryMtlsCall()
    {
        using var nodeCert = NodeCertificate("node-e", out _);
        var agent = await _agents.AttestWithX509PopAsync(nodeCert);
        var node = await _agents.Store.GetAttestedNodeAsync(agent.Id, CancellationToken.None);
        await _agents.Store.UpsertAttestedNodeAsync(node! with { Banned = true }, CancellationToken.None);
        using var http = _agents.Http(agent.Svid);

        var challenge = await _agents.ChallengeAsync();
        var attest = await _agents.AttestAsync("x509pop", Payload(nodeCert, challenge.Nonce, Sign(nodeCert, challenge.Nonce)), Csr.Create().Der);
        var sync = await http.GetAsync(new Uri(AgentApiPaths.Sync, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, attest.StatusCode);
        Assert.Contains("banned", await attest.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, sync.StatusCode);
        Assert.Contains("banned", await sync.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private X509Certificate2 NodeCertificate(string name, out string cn)
    {
        var unique = $"{name}-{Guid.NewGuid():N}"[..20];
        cn = unique;
        return TestCertificates.CreateLeaf(_host.X509PopCa, spiffeId: null, s =>
        {
            s.Subject = $"CN={unique}";
            s.DnsNames.Add($"{unique}.nodes.example");
        });
    }

    private static string Sign(X509Certificate2 nodeCert, string nonce)
    {
        using var key = nodeCert.GetECDsaPrivateKey()!;
        return Convert.ToBase64String(key.SignData(Convert.FromBase64String(nonce), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    private static JsonElement Payload(X509Certificate2 nodeCert, string nonce, string signature) =>
        JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["certificates"] = new[] { Convert.ToBase64String(nodeCert.RawData) },
            ["nonce"] = nonce,
            ["signature"] = signature,
        });
}
