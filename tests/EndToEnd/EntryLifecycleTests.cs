using System.Text.Json;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>Updating, deleting and filtering registration entries from the command line.</summary>
public sealed class EntryLifecycleTests : IssuerTest, IClassFixture<IssuerProcess>
{
    public EntryLifecycleTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task EntryUpdate_ChangingOneField_ChangesOnlyThatFieldAndBumpsTheRevision()
    {
        var id = await CreateEntryAsync("spiffe://example.org/demo/updated", "--dns", "updated.example.org");
        using var before = await ShowAsync(id);

        using var updated = ParseJson((await CliAsync("entry", "update", "--id", id, "--x509-ttl", "2h", "--output", "json")).ShouldSucceed());
        using var after = await ShowAsync(id);

        Assert.Equal(7200, after.RootElement.GetProperty("x509SvidTtl").GetInt64());
        Assert.Equal(before.RootElement.GetProperty("revisionNumber").GetInt64() + 1, after.RootElement.GetProperty("revisionNumber").GetInt64());
        Assert.Equal(updated.RootElement.GetRawText(), after.RootElement.GetRawText());
        foreach (var unchanged in new[] { "spiffeId", "parentId", "selectors", "dnsNames", "jwtSvidTtl", "createdAt" })
        {
            Assert.Equal(before.RootElement.GetProperty(unchanged).GetRawText(), after.RootElement.GetProperty(unchanged).GetRawText());
        }
    }

    [Fact]
    public async Task EntryUpdate_WithSelectors_ReplacesTheWholeSet()
    {
        var id = await CreateEntryAsync("spiffe://example.org/demo/reselected");

        (await CliAsync("entry", "update", "--id", id, "--selector", "unix:uid:2000", "--selector", "unix:gid:2000")).ShouldSucceed();
        using var after = await ShowAsync(id);

        Assert.Equal(["unix:gid:2000", "unix:uid:2000"], after.RootElement.GetProperty("selectors").EnumerateArray().Select(s => s.GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EntryUpdate_OfAnUnknownId_FailsNamingTheId()
    {
        var result = (await CliAsync("entry", "update", "--id", "0123456789abcdef0123456789abcdef", "--hint", "x")).ShouldFail();

        Assert.Contains("0123456789abcdef0123456789abcdef", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntryDelete_ThenShow_FailsNamingTheDeletedId()
    {
        var id = await CreateEntryAsync("spiffe://example.org/demo/deleted");

        var deleted = (await CliAsync("entry", "delete", "--id", id)).ShouldSucceed();
        var shown = (await CliAsync("entry", "show", "--id", id)).ShouldFail();

        Assert.Contains(id, deleted.StdOut, StringComparison.Ordinal);
        Assert.Contains(id, shown.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(id, await ListEntriesJsonAsync(), StringComparison.Ordinal);
        (await CliAsync("entry", "delete", "--id", id)).ShouldFail();
    }

    [Fact]
    public async Task EntryList_WithSelectorAndMatchSuperset_ListsOnlyEntriesHavingThatSelector()
    {
        var uid1000 = await CreateEntryAsync("spiffe://example.org/demo/filter-a");
        var uid1000AndGid = await CreateEntryAsync("spiffe://example.org/demo/filter-b", "--selector", "unix:gid:50");
        var other = (await CliAsync("entry", "create", "--spiffe-id", "spiffe://example.org/demo/filter-c", "--parent-id", ServerId, "--selector", "unix:uid:1001", "--output", "json")).ShouldSucceed();
        using var otherJson = ParseJson(other);

        var ids = await ListIdsAsync("--selector", "unix:uid:1000", "--match", "superset");

        Assert.Contains(uid1000, ids);
        Assert.Contains(uid1000AndGid, ids);
        Assert.DoesNotContain(otherJson.RootElement.GetProperty("id").GetString(), ids);
    }

    [Fact]
    public async Task EntryList_WithSelectorsAndMatchExact_ListsOnlyTheEntryWithExactlyThoseSelectors()
    {
        var single = await CreateEntryAsync("spiffe://example.org/demo/exact-a", "--selector", "unix:gid:77");
        var more = await CreateEntryAsync("spiffe://example.org/demo/exact-b", "--selector", "unix:gid:77", "--selector", "unix:user:exact");

        var ids = await ListIdsAsync("--selector", "unix:uid:1000", "--selector", "unix:gid:77", "--match", "exact");

        Assert.Equal([single], ids);
        Assert.DoesNotContain(more, ids);
    }

    [Fact]
    public async Task EntryList_WithSpiffeId_ListsOnlyThatId()
    {
        var wanted = await CreateEntryAsync("spiffe://example.org/demo/by-id");
        await CreateEntryAsync("spiffe://example.org/demo/by-id-other");

        var ids = await ListIdsAsync("--spiffe-id", "spiffe://example.org/demo/by-id");

        Assert.Equal([wanted], ids);
    }

    [Fact]
    public async Task EntryList_InTextOutput_CountsAndShowsEachEntry()
    {
        var id = await CreateEntryAsync("spiffe://example.org/demo/texted");

        var result = (await CliAsync("entry", "list", "--spiffe-id", "spiffe://example.org/demo/texted")).ShouldSucceed();

        Assert.Contains("Found 1 entry", result.StdOut, StringComparison.Ordinal);
        Assert.Contains(id, result.StdOut, StringComparison.Ordinal);
    }

    private async Task<JsonDocument> ShowAsync(string id) => ParseJson((await CliAsync("entry", "show", "--id", id, "--output", "json")).ShouldSucceed());

    private async Task<List<string>> ListIdsAsync(params string[] filter)
    {
        using var json = ParseJson((await CliAsync(["entry", "list", "--output", "json", .. filter])).ShouldSucceed());
        return [.. json.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
    }
}
