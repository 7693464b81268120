using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Registration;
using IdentityIssuer.Issuer.Tests.Support;

namespace IdentityIssuer.Issuer.Tests.Registration;

public sealed class EntryServiceTests : IAsyncLifetime
{
    private const string Server = "spiffe://example.org/identity-issuer/server";
    private IssuerServices _issuer = null!;

    public async Task InitializeAsync() => _issuer = await IssuerServices.StartAsync();

    public async Task DisposeAsync() => await _issuer.DisposeAsync();

    private static EntryInput Valid(string id = "spiffe://example.org/demo/web") => new()
    {
        SpiffeId = id,
        ParentId = Server,
        Selectors = ["unix:uid:1000"],
    };

    private async Task<FieldError[]> RefusedAsync(EntryInput input)
    {
        var before = await _issuer.Store.GetCurrentRevisionAsync(CancellationToken.None);
        var error = await Assert.ThrowsAsync<EntryValidationException>(() => _issuer.Entries.CreateAsync(input, CancellationToken.None));
        Assert.Equal(before, await _issuer.Store.GetCurrentRevisionAsync(CancellationToken.None));
        var all = await _issuer.Store.ListEntriesAsync(new EntryFilter(), CancellationToken.None);
        Assert.DoesNotContain(all.Items, e => e.SpiffeId == input.SpiffeId);
        return [.. error.Errors];
    }

    [Fact]
    public async Task Create_ValidEntry_IsStoredNormalizedWithARevision()
    {
        var created = await _issuer.Entries.CreateAsync(
            Valid() with { Selectors = ["unix:uid:1000", "unix:gid:1000", "unix:uid:1000"], DnsNames = ["web.example.org"], Hint = "internal" },
            CancellationToken.None);

        Assert.NotEmpty(created.Id);
        Assert.True(created.RevisionNumber > 0);
        Assert.Equal(["unix:gid:1000", "unix:uid:1000"], created.Selectors.Select(s => s.ToString()));
        var stored = await _issuer.Store.GetEntryAsync(created.Id, CancellationToken.None);
        Assert.Equal("internal", stored!.Hint);
    }

    [Theory]
    [InlineData("example.org/web", "spiffeId")]
    [InlineData("spiffe://example.org", "spiffeId")]
    [InlineData("spiffe://other.org/web", "spiffeId")]
    [InlineData("spiffe://example.org/a/../b", "spiffeId")]
    [InlineData("spiffe://example.org/identity-issuer/agent/x", "spiffeId")]
    public async Task Create_WithBadSpiffeId_IsRefusedNamingSpiffeId(string id, string field)
    {
        var errors = await RefusedAsync(Valid(id));

        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public async Task Create_WithUnknownParent_IsRefusedNamingParentId()
    {
        var errors = await RefusedAsync(Valid() with { ParentId = "spiffe://example.org/nobody" });

        var error = Assert.Single(errors);
        Assert.Equal("parentId", error.Field);
        Assert.Contains("unknown parent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_UnderAnAgentIdOrAnotherEntry_IsAccepted()
    {
        var underAgent = await _issuer.Entries.CreateAsync(Valid("spiffe://example.org/node") with { ParentId = "spiffe://example.org/identity-issuer/agent/join_token/abc" }, CancellationToken.None);
        var nested = await _issuer.Entries.CreateAsync(Valid("spiffe://example.org/child") with { ParentId = underAgent.SpiffeId }, CancellationToken.None);

        Assert.Equal("spiffe://example.org/node", nested.ParentId);
    }

    [Theory]
    [InlineData("nocolon")]
    [InlineData(":value")]
    [InlineData("unix:")]
    [InlineData("Unix:uid:1")]
    [InlineData("bogus:thing")]
    [InlineData("unix:uid:abc")]
    [InlineData("unix:sha256:XYZ")]
    public async Task Create_WithBadSelector_IsRefusedNamingSelectors(string selector)
    {
        var errors = await RefusedAsync(Valid() with { Selectors = [selector] });

        Assert.Contains(errors, e => e.Field == "selectors");
    }

    [Fact]
    public async Task Create_WithoutSelectors_IsRefused()
    {
        var errors = await RefusedAsync(Valid() with { Selectors = [] });

        Assert.Contains(errors, e => e.Field == "selectors" && e.Message.Contains("at least one", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(5, 0, "x509SvidTtl")]
    [InlineData(40L * 24 * 3600, 0, "x509SvidTtl")]
    [InlineData(-1, 0, "x509SvidTtl")]
    [InlineData(0, 2 * 24 * 3600, "jwtSvidTtl")]
    public async Task Create_WithTtlOutOfBounds_IsRefusedNamingTheTtl(long x509, long jwt, string field)
    {
        var errors = await RefusedAsync(Valid() with { X509SvidTtl = x509, JwtSvidTtl = jwt });

        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public async Task Create_WithSeveralProblems_ReportsThemAllAtOnce()
    {
        var errors = await RefusedAsync(new EntryInput
        {
            SpiffeId = "https://example.org/x",
            ParentId = "",
            Selectors = ["bad"],
            X509SvidTtl = 1,
            DnsNames = ["Not_A_Name"],
            Hint = new string('h', 2000),
        });

        Assert.Equal(["dnsNames", "hint", "parentId", "selectors", "spiffeId", "x509SvidTtl"], errors.Select(e => e.Field).Distinct().Order());
    }

    [Fact]
    public async Task Create_Duplicate_IsRefusedEvenWithSelectorsInAnotherOrder()
    {
        var first = await _issuer.Entries.CreateAsync(Valid() with { Selectors = ["unix:uid:1", "unix:gid:2"] }, CancellationToken.None);
        var revision = await _issuer.Store.GetCurrentRevisionAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<DuplicateEntryException>(() => _issuer.Entries.CreateAsync(Valid() with { Selectors = ["unix:gid:2", "unix:uid:1"] }, CancellationToken.None));

        Assert.Equal(first.Id, error.ExistingEntryId);
        Assert.Equal(revision, await _issuer.Store.GetCurrentRevisionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Create_WithExpiryInThePast_IsRefused()
    {
        var errors = await RefusedAsync(Valid() with { ExpiresAt = _issuer.Clock.GetUtcNow().AddMinutes(-1) });

        Assert.Contains(errors, e => e.Field == "expiresAt");
    }

    [Fact]
    public async Task Update_ChangesTheEntryAndBumpsItsRevision()
    {
        var created = await _issuer.Entries.CreateAsync(Valid(), CancellationToken.None);

        var updated = await _issuer.Entries.UpdateAsync(created.Id, Valid() with { Selectors = ["unix:uid:2000"], X509SvidTtl = 600 }, CancellationToken.None);

        Assert.Equal(created.Id, updated.Id);
        Assert.True(updated.RevisionNumber > created.RevisionNumber);
        Assert.Equal(600, updated.X509SvidTtlSeconds);
        Assert.Equal(["unix:uid:2000"], updated.Selectors.Select(s => s.ToString()));
    }

    [Fact]
    public async Task Update_WithInvalidInput_LeavesTheEntryAsItWas()
    {
        var created = await _issuer.Entries.CreateAsync(Valid(), CancellationToken.None);

        await Assert.ThrowsAsync<EntryValidationException>(() => _issuer.Entries.UpdateAsync(created.Id, Valid() with { Selectors = ["nope"] }, CancellationToken.None));

        var stored = await _issuer.Store.GetEntryAsync(created.Id, CancellationToken.None);
        Assert.Equal(created.RevisionNumber, stored!.RevisionNumber);
        Assert.Equal(["unix:uid:1000"], stored.Selectors.Select(s => s.ToString()));
    }

    [Fact]
    public async Task UpdateAndDelete_OfUnknownId_FailWithNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => _issuer.Entries.UpdateAsync("missing", Valid(), CancellationToken.None));
        await Assert.ThrowsAsync<NotFoundException>(() => _issuer.Entries.DeleteAsync("missing", CancellationToken.None));
    }

    [Fact]
    public async Task Delete_RemovesTheEntry()
    {
        var created = await _issuer.Entries.CreateAsync(Valid(), CancellationToken.None);

        await _issuer.Entries.DeleteAsync(created.Id, CancellationToken.None);

        Assert.Null(await _issuer.Store.GetEntryAsync(created.Id, CancellationToken.None));
    }
}
