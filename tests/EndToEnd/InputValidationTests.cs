using System.Net;
using System.Net.Http.Json;
using System.Text;
using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common.Certificates;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// Bad input on the command line and over the admin and agent APIs: the command exits non-zero (or
/// the API answers 4xx), the message names the field at fault, echoes at most a bounded part of what
/// was sent, and the issuer stores nothing (the entry list is the same before and after).
/// </summary>
public sealed class InputValidationTests : IssuerTest, IClassFixture<IssuerProcess>
{
    public InputValidationTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Theory]
    [InlineData("spiffeId", "--spiffe-id", "spiffe://Example.org/demo/web")]
    [InlineData("spiffeId", "--spiffe-id", "http://example.org/demo/web")]
    [InlineData("spiffeId", "--spiffe-id", "spiffe://example.org/demo/../web")]
    [InlineData("spiffeId", "--spiffe-id", "spiffe://other.org/demo/web")]
    [InlineData("spiffeId", "--spiffe-id", "spiffe://example.org/identity-issuer/agent/mine")]
    [InlineData("parentId", "--parent-id", "not-a-spiffe-id")]
    [InlineData("parentId", "--parent-id", "spiffe://example.org/no/such/parent")]
    [InlineData("selectors", "--selector", "unixuid1000")]
    [InlineData("selectors", "--selector", "unix:")]
    [InlineData("selectors", "--selector", "nosuchtype:value")]
    [InlineData("selectors", "--selector", "unix:uid:abc")]
    [InlineData("x509SvidTtl", "--x509-ttl", "99d")]
    [InlineData("x509SvidTtl", "--x509-ttl", "5s")]
    [InlineData("jwtSvidTtl", "--jwt-ttl", "2d")]
    [InlineData("--x509-ttl", "--x509-ttl", "5x")]
    [InlineData("--jwt-ttl", "--jwt-ttl", "soon")]
    [InlineData("--x509-ttl", "--x509-ttl", "-5")]
    [InlineData("dnsNames", "--dns", "bad name")]
    [InlineData("expiresAt", "--expires-at", "2020-01-01T00:00:00Z")]
    [InlineData("--expires-at", "--expires-at", "yesterday")]
    public async Task EntryCreate_WithOneBadFlag_FailsNamingTheFieldAndStoresNothing(string field, string flag, string value)
    {
        var flags = new Dictionary<string, string>
        {
            ["--spiffe-id"] = "spiffe://example.org/demo/validated",
            ["--parent-id"] = ServerId,
            ["--selector"] = "unix:uid:1000",
        };
        flags[flag] = value;
        var before = await ListEntriesJsonAsync();

        var result = (await CliAsync(["entry", "create", .. flags.SelectMany(f => new[] { f.Key, f.Value })])).ShouldFail();

        Assert.Contains(field, result.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Theory]
    [InlineData("--parent-id", "--spiffe-id", "spiffe://example.org/demo/required", "--selector", "unix:uid:1000")]
    [InlineData("--spiffe-id", "--parent-id", ServerId, "--selector", "unix:uid:1000")]
    public async Task EntryCreate_WithoutARequiredFlag_FailsNamingTheFlagAndStoresNothing(string missing, params string[] flags)
    {
        var before = await ListEntriesJsonAsync();

        var result = (await CliAsync(["entry", "create", .. flags])).ShouldFail();

        Assert.Contains($"'{missing}' is required", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Fact]
    public async Task EntryCreate_WithoutAnySelector_FailsNamingSelectorsAndStoresNothing()
    {
        var before = await ListEntriesJsonAsync();

        var result = (await CliAsync("entry", "create", "--spiffe-id", "spiffe://example.org/demo/noselector", "--parent-id", ServerId)).ShouldFail();

        Assert.Contains("selectors", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Fact]
    public async Task EntryCreate_WhenTheSameEntryExists_FailsNamingTheExistingEntryAndStoresNothing()
    {
        var existing = await CreateEntryAsync("spiffe://example.org/demo/duplicate");
        var before = await ListEntriesJsonAsync();

        var result = (await CliAsync("entry", "create", "--spiffe-id", "spiffe://example.org/demo/duplicate", "--parent-id", ServerId, "--selector", "unix:uid:1000")).ShouldFail();

        Assert.Contains("already exists", result.StdErr, StringComparison.Ordinal);
        Assert.Contains(existing, result.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Fact]
    public async Task EntryCreate_WithSeveralBadFields_ListsEveryField()
    {
        var before = await ListEntriesJsonAsync();

        var result = (await CliAsync("entry", "create", "--spiffe-id", "spiffe://Example.org/x", "--parent-id", "nope", "--selector", "unix:uid:1000", "--dns", "bad name")).ShouldFail();

        Assert.Contains("spiffeId", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("parentId", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("dnsNames", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Fact]
    public async Task EntryCreate_WithBadInputAndJsonOutput_PrintsTheErrorAsJsonNamingTheField()
    {
        var result = (await CliAsync("entry", "create", "--spiffe-id", "spiffe://example.org/demo/json-error", "--parent-id", ServerId, "--selector", "unix:", "--output", "json")).ShouldFail();

        using var json = ParseJson(result);
        Assert.Contains("selectors", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntryUpdate_WithABadSelector_FailsNamingSelectorsAndLeavesTheEntryAsItWas()
    {
        var id = await CreateEntryAsync("spiffe://example.org/demo/update-validated");
        var before = await ListEntriesJsonAsync();

        var result = (await CliAsync("entry", "update", "--id", id, "--selector", "unix:uid:abc")).ShouldFail();

        Assert.Contains("selectors", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Theory]
    [InlineData("--ttl", "svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/web", "--ttl", "forever")]
    [InlineData("ttl", "svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/web", "--ttl", "99d")]
    [InlineData("ttl", "svid", "mint", "jwt", "--spiffe-id", "spiffe://example.org/demo/web", "--audience", "a", "--ttl", "2d")]
    [InlineData("'--audience' is required", "svid", "mint", "jwt", "--spiffe-id", "spiffe://example.org/demo/web")]
    [InlineData("spiffeId", "svid", "mint", "jwt", "--spiffe-id", "spiffe://Example.org/demo/web", "--audience", "a")]
    [InlineData("--key-type", "svid", "mint", "x509", "--spiffe-id", "spiffe://example.org/demo/web", "--key-type", "dsa")]
    [InlineData("--ttl", "token", "generate", "--ttl", "5 minutes")]
    [InlineData("--match", "entry", "list", "--match", "most")]
    [InlineData("--format", "bundle", "show", "--format", "der")]
    public async Task Command_WithABadFlag_FailsNamingIt(string named, params string[] args)
    {
        var result = (await CliAsync(args)).ShouldFail();

        Assert.Contains(named, result.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1/entries", "pageToken", "-1")]
    [InlineData("v1/entries", "pageToken", "bm90IGEgdG9rZW4KdHdvIHBhcnRz")]
    [InlineData("v1/entries", "pageSize", "-1")]
    [InlineData("v1/entries", "pageSize", "0")]
    [InlineData("v1/entries", "pageSize", "1001")]
    [InlineData("v1/entries", "pageSize", "ten")]
    [InlineData("v1/agents", "pageToken", "-1")]
    [InlineData("v1/agents", "pageSize", "-1")]
    public async Task AdminList_WithABadPagingParameter_Answers400NamingIt(string path, string parameter, string value)
    {
        using var http = AdminHttp();

        using var response = await http.GetAsync(new Uri($"{path}?{parameter}={Uri.EscapeDataString(value)}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Output.WriteLine(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(parameter, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntryCreate_WithTenThousandSelectors_FailsNamingTheLimitAndStoresNothing()
    {
        var before = await ListEntriesJsonAsync();
        var selectors = Enumerable.Range(1, 10_000).SelectMany(i => new[] { "--selector", $"unix:uid:{i}" });

        var result = (await CliAsync(["entry", "create", "--spiffe-id", "spiffe://example.org/demo/many-selectors", "--parent-id", ServerId, .. selectors])).ShouldFail();

        Assert.Contains("selectors: 10000 selectors is more than the limit of 64 per entry", result.StdErr, StringComparison.Ordinal);
        Assert.True(result.StdErr.Length < 2_000, $"the error is {result.StdErr.Length} characters long");
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Theory]
    [InlineData("dnsNames", "more than the limit of 64 per entry")]
    [InlineData("selectors", "value is longer than 1024 characters")]
    public async Task EntryCreate_OverAFieldLimit_Answers400NamingTheFieldAndTheLimitAndStoresNothing(string field, string expected)
    {
        var before = await ListEntriesJsonAsync();
        var input = new Dictionary<string, object>
        {
            ["spiffeId"] = "spiffe://example.org/demo/over-limit",
            ["parentId"] = ServerId,
            ["selectors"] = field == "selectors" ? new[] { "unix:path:/" + new string('a', 2_000) } : ["unix:uid:1000"],
            ["dnsNames"] = field == "dnsNames" ? Enumerable.Range(1, 65).Select(i => $"host{i}.example.org").ToArray() : [],
        };
        using var http = AdminHttp();

        using var response = await http.PostAsJsonAsync(new Uri("v1/entries", UriKind.Relative), input);
        var body = await response.Content.ReadAsStringAsync();
        Output.WriteLine(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, body, StringComparison.Ordinal);
        Assert.Contains(expected, body, StringComparison.Ordinal);
        Assert.True(body.Length < 1_000, $"the error is {body.Length} characters long");
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Fact]
    public async Task EntryCreate_WithAHalfMegabyteSpiffeId_EchoesOnlyABoundedPrefix()
    {
        var before = await ListEntriesJsonAsync();
        var huge = "spiffe://example.org/" + new string('a', 500_000);
        using var http = AdminHttp();

        using var response = await http.PostAsJsonAsync(new Uri("v1/entries", UriKind.Relative), new { spiffeId = huge, parentId = ServerId, selectors = new[] { "unix:uid:1000" } });
        var body = await response.Content.ReadAsStringAsync();
        Output.WriteLine(body.Length > 2_000 ? body[..2_000] : body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("spiffeId", body, StringComparison.Ordinal);
        Assert.Contains("… (500021 bytes)", body, StringComparison.Ordinal);
        Assert.True(body.Length < 1_000, $"the error is {body.Length} characters long");
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Fact]
    public async Task AdminApi_WithABodyOverTheLimit_Answers413NamingTheLimitAndStoresNothing()
    {
        var before = await ListEntriesJsonAsync();
        var selectors = Enumerable.Range(1, 10_000).Select(i => $"unix:path:/{i}/{new string('a', 1_000)}").ToArray();
        using var http = AdminHttp();

        using var response = await http.PostAsJsonAsync(new Uri("v1/entries", UriKind.Relative), new { spiffeId = "spiffe://example.org/demo/ten-megabytes", parentId = ServerId, selectors });
        var body = await response.Content.ReadAsStringAsync();
        Output.WriteLine(body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1048576 bytes", body, StringComparison.Ordinal);
        Assert.Equal(before, await ListEntriesJsonAsync());
    }

    [Fact]
    public async Task AgentAttest_WithAHundredKilobyteUnknownType_Answers400WithABoundedEchoInBodyAndLog()
    {
        var mark = Issuer.LogMark;
        var type = new string('x', 100_000);
        using var http = AgentApiHttp();
        using var content = new StringContent($$"""{"attestationType":"{{type}}","payload":{},"csr":"AAAA"}""", Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(new Uri("/agent/v1/attest", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        Output.WriteLine(body.Length > 2_000 ? body[..2_000] : body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.Length < 1_000, $"the error is {body.Length} characters long");
        using var json = System.Text.Json.JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("error").GetString();
        Assert.Contains("unknown attestation type", error, StringComparison.Ordinal);
        Assert.Contains("… (100000 bytes)", error, StringComparison.Ordinal);
        await Issuer.WaitForLogAsync("… (100000 bytes)", mark);
        Assert.DoesNotContain(new string('x', 1_000), Issuer.LogSince(mark), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rsa", "md5", "md5WithRSAEncryption")]
    [InlineData("ec", "sha1", "ecdsa-with-SHA1")]
    [InlineData("ec", "sha224", "ecdsa-with-SHA224")]
    [InlineData("ec", "sha3-256", "ecdsa-with-SHA3-256")]
    [InlineData("ed25519", null, "Ed25519")]
    [InlineData("ed448", null, "Ed448")]
    public async Task AgentAttest_WithACsrSignedByAWeakOrUnsupportedAlgorithm_Answers400NamingIt_AndTheTokenStillWorks(string key, string? digest, string algorithm)
    {
        var token = JoinToken((await CliAsync("token", "generate", "--ttl", "5m")).ShouldSucceed());
        using var http = AgentApiHttp();

        using var refused = await AttestAsync(http, token, OpenSslCsr.Create(key, digest));
        var body = await refused.Content.ReadAsStringAsync();
        Output.WriteLine(body);
        using var accepted = await AttestAsync(http, token, OpenSslCsr.Create("ec", "sha256"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("error").GetString();
        Assert.Contains($"signed with {algorithm}", error, StringComparison.Ordinal);
        Assert.Contains("SHA-256, SHA-384 or SHA-512", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    private static Task<HttpResponseMessage> AttestAsync(HttpClient http, string token, byte[] csr) =>
        http.PostAsJsonAsync(new Uri("/agent/v1/attest", UriKind.Relative), new { attestationType = "join_token", payload = new { token }, csr = Convert.ToBase64String(csr) });

    private static string JoinToken(ProcessResult result)
    {
        var line = result.StdOut.Split('\n').Single(l => l.StartsWith("Token ", StringComparison.Ordinal));
        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
