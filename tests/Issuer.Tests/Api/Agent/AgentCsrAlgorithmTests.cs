using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

/// <summary>
/// CSRs signed with a weak or unsupported signature algorithm, on the agent API: a 400 that names the
/// algorithm (never a 500), before anything is spent, signed or recorded.
/// </summary>
public sealed class AgentCsrAlgorithmTests : IClassFixture<IssuerHostFixture>
{
    private readonly AgentTestClient _agents;

    public AgentCsrAlgorithmTests(IssuerHostFixture host) => _agents = new AgentTestClient(host);

    public static TheoryData<string, string?, string> Refused => new()
    {
        { "ec", "sha1", "ecdsa-with-SHA1" },
        { "rsa", "sha1", "sha1WithRSAEncryption" },
        { "rsa", "md5", "md5WithRSAEncryption" },
        { "ec", "sha224", "ecdsa-with-SHA224" },
        { "rsa", "sha224", "sha224WithRSAEncryption" },
        { "ec", "sha3-256", "ecdsa-with-SHA3-256" },
        { "rsa", "sha3-256", "sha3-256WithRSAEncryption" },
        { "ed25519", null, "Ed25519" },
        { "ed448", null, "Ed448" },
    };

    [Fact]
    public async Task Attest_WithARsaPssCsr_IsAcceptedWithSha256AndADigestLongSalt_AndRefusedWithSha1OrAnotherSalt()
    {
        var token = await _agents.NewJoinTokenAsync();
        var payload = await new JoinTokenAttestorClient(token).BuildPayloadAsync(null, CancellationToken.None);

        var sha1 = await _agents.AttestAsync(JoinTokenAttestor.AttestorName, payload, OpenSslCsr.Create("rsa", "sha1", "rsa_padding_mode:pss", "rsa_pss_saltlen:digest"));
        var sha1Error = await ErrorAsync(sha1);
        var longSalt = await _agents.AttestAsync(JoinTokenAttestor.AttestorName, payload, OpenSslCsr.Create("rsa", "sha256", "rsa_padding_mode:pss", "rsa_pss_saltlen:64"));
        var saltError = await ErrorAsync(longSalt);
        var sha256 = await _agents.AttestAsync(JoinTokenAttestor.AttestorName, payload, OpenSslCsr.Create("rsa", "sha256", "rsa_padding_mode:pss", "rsa_pss_saltlen:digest"));

        Assert.Equal(HttpStatusCode.BadRequest, sha1.StatusCode);
        Assert.Contains("signed with RSASSA-PSS with hash SHA-1", sha1Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, longSalt.StatusCode);
        Assert.Contains("RSASSA-PSS with a 64-byte salt", saltError, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, sha256.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Attest_WithACsrSignedByARefusedAlgorithm_Gets400NamingIt_AndDoesNotSpendTheToken(string key, string? digest, string algorithm)
    {
        var token = await _agents.NewJoinTokenAsync();
        var payload = await new JoinTokenAttestorClient(token).BuildPayloadAsync(null, CancellationToken.None);

        var refused = await _agents.AttestAsync(JoinTokenAttestor.AttestorName, payload, OpenSslCsr.Create(key, digest));
        var error = await ErrorAsync(refused);
        var good = await _agents.AttestAsync(JoinTokenAttestor.AttestorName, payload, Csr.Create().Der);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.StartsWith("csr: ", error, StringComparison.Ordinal);
        Assert.Contains($"signed with {algorithm}", error, StringComparison.Ordinal);
        Assert.Contains("SHA-256, SHA-384 or SHA-512", error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Theory]
    [InlineData("ec", "sha1", "ecdsa-with-SHA1")]
    [InlineData("ed25519", null, "Ed25519")]
    [InlineData("rsa", "md5", "md5WithRSAEncryption")]
    public async Task SignX509_WithACsrSignedByARefusedAlgorithm_Gets400NamingItemAndAlgorithm_AndSignsNothing(string key, string? digest, string algorithm)
    {
        var agent = await _agents.AttestWithJoinTokenAsync();
        var entry = await _agents.CreateEntryAsync(AgentTestClient.NewId("weak-csr"), agent.Id, "unix:uid:1");
        using var http = _agents.Http(agent.Svid);

        var response = await http.PostAsJsonAsync(AgentApiPaths.SignX509, new SignX509Request([new SignX509Item(entry.Id, Convert.ToBase64String(OpenSslCsr.Create(key, digest)))]));
        var error = await ErrorAsync(response);
        var records = await _agents.Store.ListIssuanceRecordsAsync(new IdentityIssuer.Issuer.Datastore.IssuanceFilter { Caller = agent.Id }, CancellationToken.None);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("items[0].csr: ", error, StringComparison.Ordinal);
        Assert.Contains($"signed with {algorithm}", error, StringComparison.Ordinal);
        Assert.Empty(records.Items);
    }

    [Theory]
    [InlineData("ec", "sha256")]
    [InlineData("ec", "sha512")]
    [InlineData("rsa", "sha384")]
    public async Task Attest_WithACsrSignedBySha2_IsAccepted(string key, string digest)
    {
        var token = await _agents.NewJoinTokenAsync();
        var payload = await new JoinTokenAttestorClient(token).BuildPayloadAsync(null, CancellationToken.None);

        var response = await _agents.AttestAsync(JoinTokenAttestor.AttestorName, payload, OpenSslCsr.Create(key, digest));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> ErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("error").GetString()!;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
