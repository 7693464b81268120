using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Revocation;
using IdentityIssuer.Issuer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Ca;

/// <summary>Taint and revoke of X.509 and JWT authorities, and several replicas sharing one journal.</summary>
public sealed class CaTaintTests
{
    private static CancellationToken Ct => CancellationToken.None;

    private static async Task<CaAuthority> RotateAsync(IssuerServices issuer, AuthorityKind kind)
    {
        var old = kind == AuthorityKind.X509 ? issuer.Ca.ActiveX509.Record : issuer.Ca.ActiveJwt.Record;
        await issuer.Ca.PrepareAsync(kind, Ct);
        await issuer.Ca.ActivateAsync(kind, Ct);
        return old;
    }

    [Fact]
    public async Task X509_TaintThenRevoke_TakesTheOldCaOutOfTheBundle_AndRaisesTheSequence()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var state = issuer.Provider.GetRequiredService<RevocationState>();
        var old = await RotateAsync(issuer, AuthorityKind.X509);
        var before = await issuer.Bundles.GetOwnBundleAsync(Ct);
        Assert.Equal(2, before.X509Authorities.Count);

        var tainted = await issuer.Ca.TaintAsync(AuthorityKind.X509, old.Id, Ct);
        Assert.Equal(AuthorityStatus.Tainted, tainted.Status);
        Assert.Equal([old.Id], (await state.GetAsync(Ct)).TaintedAuthorities);

        // Tainting keeps it trusted: the bundle does not change until it is revoked.
        Assert.Equal(before.Sequence, (await issuer.Bundles.GetOwnBundleAsync(Ct)).Sequence);
        Assert.Equal(AuthorityStatus.Tainted, (await issuer.Ca.TaintAsync(AuthorityKind.X509, old.Id, Ct)).Status);

        var revoked = await issuer.Ca.RevokeAsync(AuthorityKind.X509, old.Id, Ct);
        Assert.Equal(AuthorityStatus.Revoked, revoked.Status);
        var after = await issuer.Bundles.GetOwnBundleAsync(Ct);
        Assert.True(after.Sequence > before.Sequence);
        var only = Assert.Single(after.X509Authorities);
        Assert.Equal(issuer.Ca.ActiveX509.Certificate.RawData, only.RawData);
        var journal = await issuer.Store.ListAuthoritiesAsync(AuthorityKind.X509, Ct);
        Assert.Equal(AuthorityStatus.Revoked, journal.Single(a => a.Id == old.Id).Status);
        Assert.Equal(AuthorityStatus.Active, journal.Single(a => a.Id == issuer.Ca.ActiveX509.Id).Status);
    }

    [Fact]
    public async Task Jwt_TaintThenRevoke_RemovesTheKidFromTheBundle()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var old = await RotateAsync(issuer, AuthorityKind.Jwt);

        await issuer.Ca.TaintAsync(AuthorityKind.Jwt, old.Id, Ct);
        Assert.Contains(old.Id, (await issuer.Bundles.GetOwnBundleAsync(Ct)).JwtAuthorities.Select(k => k.KeyId));
        await issuer.Ca.RevokeAsync(AuthorityKind.Jwt, old.Id, Ct);

        var kids = (await issuer.Bundles.GetOwnBundleAsync(Ct)).JwtAuthorities.Select(k => k.KeyId).ToList();
        Assert.Equal([issuer.Ca.ActiveJwt.KeyId], kids);
    }

    [Fact]
    public async Task Taint_OfTheActiveOrPreparedAuthority_IsRefusedWithWhatToDo()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var active = issuer.Ca.ActiveX509.Id;

        var error = await Assert.ThrowsAsync<CaException>(() => issuer.Ca.TaintAsync(AuthorityKind.X509, active, Ct));
        Assert.Equal($"x509 authority {active} is active on replica primary; prepare and activate a new one first, then taint {active}", error.Message);

        var prepared = await issuer.Ca.PrepareAsync(AuthorityKind.X509, Ct);
        error = await Assert.ThrowsAsync<CaException>(() => issuer.Ca.TaintAsync(AuthorityKind.X509, prepared.Id, Ct));
        Assert.StartsWith($"x509 authority {prepared.Id} is prepared", error.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<NotFoundException>(() => issuer.Ca.TaintAsync(AuthorityKind.Jwt, "nope", Ct));
        Assert.Equal("no jwt authority 'nope'; 'authority jwt show' lists them", missing.Message);

        // Nothing changed.
        var journal = await issuer.Store.ListAuthoritiesAsync(AuthorityKind.X509, Ct);
        Assert.Equal([AuthorityStatus.Prepared, AuthorityStatus.Active], journal.Select(a => a.Status).Order());
    }

    [Fact]
    public async Task Revoke_OfAnAuthorityThatIsNotTainted_IsRefusedAndTheBundleKeepsIt()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var old = await RotateAsync(issuer, AuthorityKind.X509);
        var sequence = (await issuer.Bundles.GetOwnBundleAsync(Ct)).Sequence;

        var error = await Assert.ThrowsAsync<CaException>(() => issuer.Ca.RevokeAsync(AuthorityKind.X509, old.Id, Ct));

        Assert.Equal($"x509 authority {old.Id} is old; only a tainted authority can be revoked (taint it first)", error.Message);
        Assert.Equal(sequence, (await issuer.Bundles.GetOwnBundleAsync(Ct)).Sequence);
    }

    [Fact]
    public async Task RevokedAuthority_NoLongerHandsOutItsCrl()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var crls = issuer.Provider.GetRequiredService<CrlService>();
        var state = issuer.Provider.GetRequiredService<RevocationState>();
        await crls.RefreshAsync(Ct);
        var old = await RotateAsync(issuer, AuthorityKind.X509);
        await crls.RefreshAsync(Ct);
        var both = await state.GetAsync(Ct);
        Assert.Equal(2, both.Crls.Count);

        await issuer.Ca.TaintAsync(AuthorityKind.X509, old.Id, Ct);
        await issuer.Ca.RevokeAsync(AuthorityKind.X509, old.Id, Ct);

        var after = await state.GetAsync(Ct);
        Assert.Equal([issuer.Ca.ActiveX509.Id], after.Crls.Select(c => c.AuthorityId));
        Assert.NotEqual(both.CrlVersion, after.CrlVersion);
        Assert.Equal(0, await crls.RefreshAsync(Ct));
    }

    [Fact]
    public async Task TwoReplicas_EachKeepTheirOwnCa_BothInTheBundle_AndRestartResumesTheOwnOne()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ca-replicas-" + Guid.NewGuid().ToString("N"));
        var disk = new Dictionary<string, string?> { ["KeyManager:Type"] = "disk", ["Ca:ReplicaName"] = "east" };
        try
        {
            string eastId;
            string westId;
            await using (var east = await IssuerServices.StartAsync(disk, directory))
            {
                // The west replica has its own key directory: it cannot read east's keys, nor needs to.
                await using var west = await IssuerServices.StartAsync(
                    new Dictionary<string, string?> { ["Ca:ReplicaName"] = "west", ["KeyManager:Type"] = "memory" }, directory, east.Clock);
                eastId = east.Ca.ActiveX509.Id;
                westId = west.Ca.ActiveX509.Id;
                Assert.NotEqual(eastId, westId);

                var bundle = await west.Bundles.GetOwnBundleAsync(Ct);
                Assert.Equal(2, bundle.X509Authorities.Count);
                Assert.Equal(2, bundle.JwtAuthorities.Count);
                var journal = await west.Store.ListAuthoritiesAsync(AuthorityKind.X509, Ct);
                Assert.Equal([(eastId, "east", AuthorityStatus.Active), (westId, "west", AuthorityStatus.Active)], journal.OrderBy(a => a.Replica, StringComparer.Ordinal).Select(a => (a.Id, a.Replica, a.Status)));
            }

            // East restarts: it resumes its own CA and leaves west's row alone, although it has no key for it.
            await using var restarted = await IssuerServices.StartAsync(disk, directory);
            Assert.Equal(eastId, restarted.Ca.ActiveX509.Id);
            var after = await restarted.Store.ListAuthoritiesAsync(AuthorityKind.X509, Ct);
            Assert.Equal([(eastId, AuthorityStatus.Active), (westId, AuthorityStatus.Active)], after.OrderBy(a => a.Replica, StringComparer.Ordinal).Select(a => (a.Id, a.Status)));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
