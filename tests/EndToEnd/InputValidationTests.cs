using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// Bad input on the command line: the command exits non-zero, the message names the field at fault,
/// and the issuer stores nothing (the entry list is the same before and after).
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
}
