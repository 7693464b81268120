using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Jobs;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Tests.Common.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Jobs;

/// <summary>
/// What pruning removes and keeps of authorities, revocations and keys (retention 1 day): the global prune
/// job on the bundle, the journal of every replica and revocations; the rotation job on this replica's keys.
/// </summary>
public abstract class AuthorityPruningTests
{
    private static CancellationToken Ct => CancellationToken.None;

    /// <summary>Datastore settings of a fresh database.</summary>
    private protected abstract Task<Dictionary<string, string?>> FreshDatastoreAsync();

    [Fact]
    public async Task PruneJob_RemovesAuthoritiesExpiredPastTheRetention_AndKeepsEveryValidOrRecentOne()
    {
        await using var issuer = await IssuerServices.StartAsync(await FreshDatastoreAsync());
        var store = issuer.Store;
        var now = issuer.Clock.GetUtcNow();
        var oldGone = await AddX509Async(store, "old-gone", AuthorityStatus.Old, now.AddDays(-2), inBundle: true);
        var oldRecent = await AddX509Async(store, "old-recent", AuthorityStatus.Old, now.AddHours(-1), inBundle: true);
        await AddX509Async(store, "revoked-gone", AuthorityStatus.Revoked, now.AddDays(-2), inBundle: false);
        var taintedGone = await AddX509Async(store, "tainted-gone", AuthorityStatus.Tainted, now.AddDays(-2), inBundle: true);
        var otherReplica = await AddX509Async(store, "active-r2", AuthorityStatus.Active, now.AddDays(1), inBundle: true);
        var orphan = Certificate(now.AddDays(-3));
        await store.AppendBundleAsync("example.org", true, [orphan], [], Ct);
        await AddJwtAsync(store, "jwt-old-gone", AuthorityStatus.Old, now.AddDays(-2));
        await AddJwtAsync(store, "jwt-old-recent", AuthorityStatus.Old, now.AddHours(-1));
        await store.RevokeSvidsAsync([Revoked("expired", now.AddMinutes(-1)), Revoked("valid", now.AddHours(1))], Ct);
        var own = issuer.Ca.ActiveX509.Record;
        var ownJwt = issuer.Ca.ActiveJwt.Record;

        await issuer.Job<PruneJob>().RunOnceAsync(Ct);

        var bundle = await store.GetBundleAsync("example.org", Ct);
        Assert.NotNull(bundle);
        var x509 = bundle.X509Authorities.Select(Convert.ToHexString).Order().ToList();
        Assert.Equal(new[] { own.PublicData, oldRecent, otherReplica }.Select(Convert.ToHexString).Order(), x509);
        Assert.DoesNotContain(Convert.ToHexString(oldGone), x509);
        Assert.DoesNotContain(Convert.ToHexString(taintedGone), x509);
        Assert.DoesNotContain(Convert.ToHexString(orphan), x509);
        Assert.Equal(new[] { ownJwt.Id, "jwt-old-recent" }.Order(), bundle.JwtKeys.Select(k => k.KeyId).Order());

        var journal = (await store.ListAuthoritiesAsync(AuthorityKind.X509, Ct)).Concat(await store.ListAuthoritiesAsync(AuthorityKind.Jwt, Ct)).Select(a => a.Id).Order();
        Assert.Equal(new[] { own.Id, ownJwt.Id, "old-recent", "tainted-gone", "active-r2", "jwt-old-recent" }.Order(), journal);
        Assert.Equal(["valid"], (await store.ListRevokedSvidsAsync(null, Ct)).Select(r => r.Serial));
    }

    [Fact]
    public async Task RotationJob_DeletesThisReplicasKeysNoAuthorityNeeds_AndKeepsTheRest()
    {
        await using var issuer = await IssuerServices.StartAsync(await FreshDatastoreAsync());
        var store = issuer.Store;
        var keys = issuer.Provider.GetRequiredService<IKeyManager>();
        var now = issuer.Clock.GetUtcNow();
        string KeyId(string prefix, DateTimeOffset created, int n) => $"{prefix}-A-{created.ToUnixTimeSeconds()}-{n:x8}";
        var orphanOld = KeyId("x509-ca", now.AddDays(-2), 1);
        var orphanNew = KeyId("jwt", now, 2);
        var oldGone = KeyId("x509-ca", now.AddDays(-3), 3);
        var oldRecent = KeyId("jwt", now.AddDays(-3), 4);
        var tainted = KeyId("x509-ca", now.AddDays(-3), 5);
        foreach (var id in new[] { orphanOld, orphanNew, oldGone, oldRecent, tainted, "not-a-ca-key" })
        {
            await keys.GenerateKeyAsync(id, KeyType.EcP256, Ct);
        }

        await AddX509Async(store, "old-gone", AuthorityStatus.Old, now.AddDays(-2), inBundle: false, keyId: oldGone);
        await AddJwtAsync(store, "old-recent", AuthorityStatus.Old, now.AddHours(-1), keyId: oldRecent);
        await AddX509Async(store, "tainted", AuthorityStatus.Tainted, now.AddDays(-2), inBundle: false, keyId: tainted);

        await issuer.Job<CaRotationJob>().RunOnceAsync(Ct);

        var left = (await keys.GetKeysAsync(Ct)).Select(k => k.KeyId).Order();
        Assert.Equal(new[] { issuer.Ca.ActiveX509.Record.KeyId, issuer.Ca.ActiveJwt.Record.KeyId, orphanNew, oldRecent, tainted, "not-a-ca-key" }.Order(), left);
    }

    private static async Task<byte[]> AddX509Async(IDataStore store, string id, AuthorityStatus status, DateTimeOffset notAfter, bool inBundle, string? keyId = null)
    {
        var der = Certificate(notAfter);
        if (inBundle)
        {
            await store.AppendBundleAsync("example.org", true, [der], [], Ct);
        }

        await store.UpsertAuthorityAsync(Authority(id, AuthorityKind.X509, status, notAfter, der, keyId), Ct);
        return der;
    }

    private static async Task AddJwtAsync(IDataStore store, string kid, AuthorityStatus status, DateTimeOffset notAfter, string? keyId = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        await store.AppendBundleAsync("example.org", true, [], [new BundleJwtKey(kid, spki, notAfter)], Ct);
        await store.UpsertAuthorityAsync(Authority(kid, AuthorityKind.Jwt, status, notAfter, spki, keyId), Ct);
    }

    private static CaAuthority Authority(string id, AuthorityKind kind, AuthorityStatus status, DateTimeOffset notAfter, byte[] publicData, string? keyId) => new()
    {
        Id = id,
        Kind = kind,
        Slot = "B",
        Status = status,
        KeyId = keyId ?? "key-" + id,
        PublicData = publicData,
        NotBefore = notAfter.AddDays(-1),
        NotAfter = notAfter,
        CreatedAt = notAfter.AddDays(-1),
        Replica = id.EndsWith("r2", StringComparison.Ordinal) ? "r2" : "primary",
    };

    private static byte[] Certificate(DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test CA " + Guid.NewGuid().ToString("N")[..8], key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(notAfter.AddDays(-1), notAfter);
        return certificate.RawData;
    }

    private static RevokedSvid Revoked(string serial, DateTimeOffset notAfter) => new()
    {
        AuthorityId = "ski",
        Serial = serial,
        SpiffeId = "spiffe://example.org/web",
        Caller = "test",
        NotAfter = notAfter,
    };
}

/// <summary>Authority pruning on the embedded SQLite store.</summary>
public sealed class SqliteAuthorityPruningTests : AuthorityPruningTests
{
    private protected override Task<Dictionary<string, string?>> FreshDatastoreAsync() => Task.FromResult(new Dictionary<string, string?>());
}

/// <summary>Authority pruning on a real PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresAuthorityPruningTests(PostgresFixture postgres) : AuthorityPruningTests, IClassFixture<PostgresFixture>
{
    private protected override async Task<Dictionary<string, string?>> FreshDatastoreAsync() => new()
    {
        ["Datastore:Provider"] = "postgres",
        ["Datastore:ConnectionString"] = await postgres.CreateDatabaseAsync(),
    };
}
