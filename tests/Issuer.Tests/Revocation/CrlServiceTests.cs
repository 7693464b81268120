using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Revocation;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Revocation;

/// <summary>CRLs per X.509 authority: signed by the owning replica, on revocation and at half their validity.</summary>
public sealed class CrlServiceTests
{
    private static readonly SpiffeId Web = SpiffeId.Parse("spiffe://example.org/web");
    private static CancellationToken Ct => CancellationToken.None;

    internal static async Task<MintedX509Svid> MintAsync(IssuerServices issuer, SpiffeId? id = null, string caller = "test", string? entryId = null)
    {
        var (csr, key) = Csr.Create();
        key.Dispose();
        return await issuer.X509.MintAsync(new X509SvidParams { SpiffeId = id ?? Web, Csr = csr, Caller = caller, EntryId = entryId }, Ct);
    }

    private static async Task<StoredCrl> CrlOfAsync(IssuerServices issuer, string authorityId) =>
        (await issuer.Store.ListCrlsAsync(Ct)).Single(c => c.AuthorityId == authorityId);

    [Fact]
    public async Task EveryOwnAuthority_HasASignedCrl_EmptyUntilSomethingIsRevoked()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var crls = issuer.Provider.GetRequiredService<CrlService>();

        Assert.Equal(1, await crls.RefreshAsync(Ct));
        Assert.Equal(0, await crls.RefreshAsync(Ct));

        var active = issuer.Ca.ActiveX509;
        var stored = await CrlOfAsync(issuer, active.Id);
        var (serials, number, nextUpdate) = CrlAssert.Verified(stored.Der, active.Certificate);
        Assert.Empty(serials);
        Assert.Equal(1, number);
        Assert.Equal(issuer.Clock.GetUtcNow().AddDays(1).ToUnixTimeSeconds(), nextUpdate.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Revoking_SignsANewCrlListingTheSerial_AndOnlyThatSvidIsListed()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var revocations = issuer.Provider.GetRequiredService<SvidRevocationService>();
        var revoked = await MintAsync(issuer);
        var kept = await MintAsync(issuer);

        var result = await revocations.RevokeAsync(new SvidSelector(revoked.Serial, null, null, null), "admin:uid:0", "key leaked", Ct);

        var svid = Assert.Single(result.Svids);
        Assert.Equal((revoked.Serial, Web.ToString(), issuer.Ca.ActiveX509.Id, 0), (svid.Serial, svid.SpiffeId, svid.AuthorityId, result.AlreadyRevoked));
        var stored = await CrlOfAsync(issuer, issuer.Ca.ActiveX509.Id);
        var (serials, number, _) = CrlAssert.Verified(stored.Der, issuer.Ca.ActiveX509.Certificate);
        Assert.Equal([revoked.Serial], serials);
        Assert.DoesNotContain(kept.Serial, serials);
        Assert.Equal(1, number);

        // Revoking it again changes nothing, and says so.
        var again = await revocations.RevokeAsync(new SvidSelector(revoked.Serial, null, null, null), "admin:uid:0", string.Empty, Ct);
        Assert.Equal(1, again.AlreadyRevoked);
        Assert.Equal(1, (await CrlOfAsync(issuer, issuer.Ca.ActiveX509.Id)).CrlNumber);
    }

    [Fact]
    public async Task ACrl_IsSignedAgainAtHalfItsValidity_WithAHigherNumber()
    {
        await using var issuer = await IssuerServices.StartAsync(new Dictionary<string, string?> { ["Ca:CrlTtl"] = "04:00:00", ["Ca:Ttl"] = "7.00:00:00" });
        var crls = issuer.Provider.GetRequiredService<CrlService>();
        await crls.RefreshAsync(Ct);

        issuer.Clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await crls.RefreshAsync(Ct));
        issuer.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await crls.RefreshAsync(Ct));

        var stored = await CrlOfAsync(issuer, issuer.Ca.ActiveX509.Id);
        Assert.Equal(2, stored.CrlNumber);
        Assert.Equal(issuer.Clock.GetUtcNow().AddHours(4).ToUnixTimeMilliseconds(), stored.NextUpdate.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task RevokeBySpiffeId_TakesEveryUnexpiredX509Svid_ButNotJwtsOrExpiredOnes()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var revocations = issuer.Provider.GetRequiredService<SvidRevocationService>();
        var first = await MintAsync(issuer);
        var second = await MintAsync(issuer);
        await issuer.Jwt.MintAsync(Web, ["aud"], TimeSpan.FromMinutes(5), null, "test", Ct);
        var other = await MintAsync(issuer, SpiffeId.Parse("spiffe://example.org/other"));

        var result = await revocations.RevokeAsync(new SvidSelector(null, Web.ToString(), null, null), "admin:uid:0", string.Empty, Ct);

        string[] expected = [.. new[] { first.Serial, second.Serial }.Order(StringComparer.Ordinal)];
        Assert.Equal(expected, result.Svids.Select(s => s.Serial).Order(StringComparer.Ordinal));
        var listed = CrlAssert.Verified((await CrlOfAsync(issuer, issuer.Ca.ActiveX509.Id)).Der, issuer.Ca.ActiveX509.Certificate).Serials;
        Assert.Equal(expected, listed.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(other.Serial, listed);

        // Once they have expired there is nothing left to revoke.
        issuer.Clock.Advance(TimeSpan.FromHours(2));
        var error = await Assert.ThrowsAsync<NotFoundException>(() => revocations.RevokeAsync(new SvidSelector(null, Web.ToString(), null, null), "admin:uid:0", string.Empty, Ct));
        Assert.Equal("no unexpired X509-SVID with SPIFFE ID spiffe://example.org/web is in the issuance record", error.Message);
    }

    [Fact]
    public async Task RevokeByAgent_TakesWhatTheAgentObtainedAndItsOwnSvid()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var revocations = issuer.Provider.GetRequiredService<SvidRevocationService>();
        var agent = SpiffeId.Parse("spiffe://example.org/identity-issuer/agent/join_token/abc");
        var own = await MintAsync(issuer, agent, caller: "attestation:join_token");
        var workload = await MintAsync(issuer, caller: agent.ToString(), entryId: "entry-1");
        var unrelated = await MintAsync(issuer, caller: "spiffe://example.org/identity-issuer/agent/join_token/other");

        var result = await revocations.RevokeAsync(new SvidSelector(null, null, null, agent.ToString()), "ban:admin:uid:0", "agent banned", Ct);

        Assert.Equal(new[] { own.Serial, workload.Serial }.Order(StringComparer.Ordinal), result.Svids.Select(s => s.Serial).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(unrelated.Serial, result.Svids.Select(s => s.Serial));
        var stored = await issuer.Store.ListRevokedSvidsAsync(null, Ct);
        Assert.All(stored, r => Assert.Equal(("ban:admin:uid:0", "agent banned"), (r.Caller, r.Reason)));
        Assert.Equal("entry-1", stored.Single(r => r.Serial == workload.Serial).EntryId);
    }

    [Fact]
    public async Task TwoReplicas_EachSignOnlyTheirOwnAuthoritiesCrls()
    {
        var directory = Path.Combine(Path.GetTempPath(), "crl-replicas-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var east = await IssuerServices.StartAsync(new Dictionary<string, string?> { ["Ca:ReplicaName"] = "east" }, directory);
            await using var west = await IssuerServices.StartAsync(new Dictionary<string, string?> { ["Ca:ReplicaName"] = "west" }, directory, east.Clock);
            var eastSvid = await MintAsync(east);

            // Revoked through the west replica: west cannot sign east's CRL, east does on its next refresh.
            await west.Provider.GetRequiredService<SvidRevocationService>().RevokeAsync(new SvidSelector(eastSvid.Serial, null, null, null), "admin:uid:0", string.Empty, Ct);
            var crls = await west.Store.ListCrlsAsync(Ct);
            Assert.Equal([west.Ca.ActiveX509.Id], crls.Select(c => c.AuthorityId));

            Assert.Equal(1, await east.Provider.GetRequiredService<CrlService>().RefreshAsync(Ct));
            var eastCrl = (await east.Store.ListCrlsAsync(Ct)).Single(c => c.AuthorityId == east.Ca.ActiveX509.Id);
            Assert.Equal([eastSvid.Serial], CrlAssert.Verified(eastCrl.Der, east.Ca.ActiveX509.Certificate).Serials);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
