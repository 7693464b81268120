using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.Jwt;
using IdentityIssuer.Spiffe.X509;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Ca;

/// <summary>A/B rotation of the X.509 CA and the JWT key: prepare, activate, restart in between.</summary>
public sealed class CaRotationTests : IDisposable
{
    private static readonly SpiffeId Web = SpiffeId.Parse("spiffe://example.org/web");
    private static readonly Dictionary<string, string?> Disk = new() { ["KeyManager:Type"] = "disk" };
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "rotation-tests-" + Guid.NewGuid().ToString("N"));

    public CaRotationTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<SpiffeBundle> BundleAsync(IssuerServices issuer) => await issuer.Bundles.GetOwnBundleAsync(CancellationToken.None);

    private static async Task<IReadOnlyList<(string Id, string Slot, AuthorityStatus Status)>> JournalAsync(IssuerServices issuer, AuthorityKind kind) =>
        [.. (await issuer.Store.ListAuthoritiesAsync(kind, CancellationToken.None)).Select(a => (a.Id, a.Slot, a.Status))];

    private static async Task<X509Certificate2> MintAsync(IssuerServices issuer)
    {
        var (csr, key) = Csr.Create();
        key.Dispose();
        var minted = await issuer.X509.MintAsync(new X509SvidParams { SpiffeId = Web, Csr = csr, Caller = "test" }, CancellationToken.None);
        return X509CertificateLoader.LoadCertificate(minted.CertificateDer);
    }

    private static bool Contains(SpiffeBundle bundle, X509Certificate2 ca) =>
        bundle.X509Authorities.Any(a => a.RawData.AsSpan().SequenceEqual(ca.RawData));

    [Fact]
    public async Task X509_WalksPrepareActivateOld_WithTheBundleAndJournalConsistentAtEachStep()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var first = issuer.Ca.ActiveX509;
        var startSequence = (await BundleAsync(issuer)).Sequence!.Value;

        // Before half of the lifetime nothing happens.
        issuer.Clock.Advance(TimeSpan.FromHours(11));
        await issuer.Ca.RotateIfDueAsync(CancellationToken.None);
        Assert.Null(issuer.Ca.PreparedX509);
        Assert.Equal([(first.Id, "A", AuthorityStatus.Active)], await JournalAsync(issuer, AuthorityKind.X509));
        Assert.Equal(startSequence, (await BundleAsync(issuer)).Sequence);

        // At half: the next CA is prepared in slot B and published, but does not sign yet.
        issuer.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await issuer.Ca.RotateIfDueAsync(CancellationToken.None);
        var prepared = issuer.Ca.PreparedX509;
        Assert.NotNull(prepared);
        Assert.Equal([(first.Id, "A", AuthorityStatus.Active), (prepared.Id, "B", AuthorityStatus.Prepared)], await JournalAsync(issuer, AuthorityKind.X509));
        var afterPrepare = await BundleAsync(issuer);
        Assert.True(afterPrepare.Sequence > startSequence);
        Assert.True(Contains(afterPrepare, first.Certificate));
        Assert.True(Contains(afterPrepare, prepared.Certificate));
        Assert.Equal(first.Id, issuer.Ca.ActiveX509.Id);

        // Just before five sixths an SVID still comes from the first CA.
        issuer.Clock.Advance(TimeSpan.FromHours(8) - TimeSpan.FromMinutes(3));
        await issuer.Ca.RotateIfDueAsync(CancellationToken.None);
        Assert.Equal(first.Id, issuer.Ca.ActiveX509.Id);
        var oldSvid = await MintAsync(issuer);
        Assert.Equal(first.Certificate.SubjectName.RawData, oldSvid.IssuerName.RawData);

        // At five sixths: B signs, A is old, the bundle is unchanged and still holds A.
        issuer.Clock.Advance(TimeSpan.FromMinutes(3));
        await issuer.Ca.RotateIfDueAsync(CancellationToken.None);
        Assert.Equal(prepared.Id, issuer.Ca.ActiveX509.Id);
        Assert.Null(issuer.Ca.PreparedX509);
        Assert.Equal([(first.Id, "A", AuthorityStatus.Old), (prepared.Id, "B", AuthorityStatus.Active)], await JournalAsync(issuer, AuthorityKind.X509));
        var afterActivate = await BundleAsync(issuer);
        Assert.Equal(afterPrepare.Sequence, afterActivate.Sequence);

        var newSvid = await MintAsync(issuer);
        Assert.Equal(prepared.Certificate.SubjectName.RawData, newSvid.IssuerName.RawData);
        var set = new X509BundleSet([afterActivate.ToX509Bundle()]);
        var now = issuer.Clock.GetUtcNow();
        var newResult = X509SvidValidator.Validate([newSvid], set, now);
        var oldResult = X509SvidValidator.Validate([oldSvid], set, now);
        Assert.True(newResult.IsValid, newResult.Error);
        Assert.True(oldResult.IsValid, oldResult.Error);

        // B was prepared at 12 h; at 12 h + half its lifetime the next one is prepared, in slot A.
        issuer.Clock.Advance(TimeSpan.FromHours(5));
        await issuer.Ca.RotateIfDueAsync(CancellationToken.None);
        Assert.Equal("A", issuer.Ca.PreparedX509?.Record.Slot);
    }

    [Fact]
    public async Task Jwt_RotatesIndependently_AndTokensFromTheOldKeyValidateUntilTheyExpire()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var first = issuer.Ca.ActiveJwt;
        var startSequence = (await BundleAsync(issuer)).Sequence!.Value;

        issuer.Clock.Advance(TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1));
        await issuer.Ca.RotateIfDueAsync(CancellationToken.None);
        var prepared = issuer.Ca.PreparedJwt;
        Assert.NotNull(prepared);
        Assert.Equal([(first.KeyId, "A", AuthorityStatus.Active), (prepared.KeyId, "B", AuthorityStatus.Prepared)], await JournalAsync(issuer, AuthorityKind.Jwt));
        var afterPrepare = await BundleAsync(issuer);
        Assert.True(afterPrepare.Sequence > startSequence);
        Assert.Equal([first.KeyId, prepared.KeyId], afterPrepare.JwtAuthorities.Select(k => k.KeyId));

        issuer.Clock.Advance(TimeSpan.FromHours(8) - TimeSpan.FromMinutes(2));
        var oldToken = await issuer.Jwt.MintAsync(Web, ["inventory"], TimeSpan.FromMinutes(5), null, "test", CancellationToken.None);

        issuer.Clock.Advance(TimeSpan.FromMinutes(2));
        await issuer.Ca.RotateIfDueAsync(CancellationToken.None);
        Assert.Equal(prepared.KeyId, issuer.Ca.ActiveJwt.KeyId);
        Assert.Equal([(first.KeyId, "A", AuthorityStatus.Old), (prepared.KeyId, "B", AuthorityStatus.Active)], await JournalAsync(issuer, AuthorityKind.Jwt));
        var newToken = await issuer.Jwt.MintAsync(Web, ["inventory"], TimeSpan.FromMinutes(5), null, "test", CancellationToken.None);

        var set = new JwtBundleSet([await BundleAsync(issuer)]);
        var now = issuer.Clock.GetUtcNow();
        var oldResult = JwtSvidValidator.Validate(oldToken.Token, ["inventory"], set, now);
        var newResult = JwtSvidValidator.Validate(newToken.Token, ["inventory"], set, now);
        Assert.True(oldResult.IsValid, oldResult.Error);
        Assert.True(newResult.IsValid, newResult.Error);
        Assert.False(JwtSvidValidator.Validate(oldToken.Token, ["inventory"], set, now.AddMinutes(10)).IsValid);
    }

    [Fact]
    public async Task Restart_BetweenPrepareAndActivate_ResumesBothAndActivatesOnTime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string activeId, preparedId, activeKid, preparedKid;
        long sequence;
        await using (var first = await IssuerServices.StartAsync(Disk, _directory, clock))
        {
            activeId = first.Ca.ActiveX509.Id;
            activeKid = first.Ca.ActiveJwt.KeyId;
            preparedId = (await first.Ca.PrepareAsync(AuthorityKind.X509, CancellationToken.None)).Id;
            preparedKid = (await first.Ca.PrepareAsync(AuthorityKind.Jwt, CancellationToken.None)).Id;
            sequence = (await BundleAsync(first)).Sequence!.Value;
        }

        await using var second = await IssuerServices.StartAsync(Disk, _directory, clock);

        Assert.Equal(activeId, second.Ca.ActiveX509.Id);
        Assert.Equal(preparedId, second.Ca.PreparedX509?.Id);
        Assert.Equal(activeKid, second.Ca.ActiveJwt.KeyId);
        Assert.Equal(preparedKid, second.Ca.PreparedJwt?.KeyId);
        Assert.Equal(sequence, (await BundleAsync(second)).Sequence);

        clock.Advance(TimeSpan.FromHours(21));
        await second.Ca.RotateIfDueAsync(CancellationToken.None);
        Assert.Equal(preparedId, second.Ca.ActiveX509.Id);
        Assert.Equal(preparedKid, second.Ca.ActiveJwt.KeyId);
        Assert.True((await MintAsync(second)).IssuerName.RawData.AsSpan().SequenceEqual(second.Ca.ActiveX509.Certificate.SubjectName.RawData));
    }

    [Fact]
    public async Task Restart_AfterActivationWroteOnlyTheNewRow_KeepsTheNewerAndMarksTheOtherOld()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string activeId, preparedId;
        await using (var first = await IssuerServices.StartAsync(Disk, _directory, clock))
        {
            activeId = first.Ca.ActiveX509.Id;
            clock.Advance(TimeSpan.FromSeconds(1));
            var prepared = await first.Ca.PrepareAsync(AuthorityKind.X509, CancellationToken.None);
            preparedId = prepared.Id;

            // The first write of an activation, then a crash before the second.
            await first.Store.UpsertAuthorityAsync(prepared with { Status = AuthorityStatus.Active }, CancellationToken.None);
        }

        await using var second = await IssuerServices.StartAsync(Disk, _directory, clock);

        Assert.Equal(preparedId, second.Ca.ActiveX509.Id);
        Assert.Null(second.Ca.PreparedX509);
        Assert.Equal([(activeId, "A", AuthorityStatus.Old), (preparedId, "B", AuthorityStatus.Active)], await JournalAsync(second, AuthorityKind.X509));
    }

    [Fact]
    public async Task Restart_WhenThePreparedKeyIsGone_DiscardsItAndKeepsTheActiveOne()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string activeId;
        CaAuthority prepared;
        long sequence;
        await using (var first = await IssuerServices.StartAsync(Disk, _directory, clock))
        {
            activeId = first.Ca.ActiveX509.Id;
            clock.Advance(TimeSpan.FromSeconds(1));
            prepared = await first.Ca.PrepareAsync(AuthorityKind.X509, CancellationToken.None);
            await first.Provider.GetRequiredService<IKeyManager>().DeleteKeyAsync(prepared.KeyId, CancellationToken.None);
            sequence = (await BundleAsync(first)).Sequence!.Value;
        }

        await using var second = await IssuerServices.StartAsync(Disk, _directory, clock);

        Assert.Equal(activeId, second.Ca.ActiveX509.Id);
        Assert.Null(second.Ca.PreparedX509);
        Assert.Equal([(activeId, "A", AuthorityStatus.Active), (prepared.Id, "B", AuthorityStatus.Old)], await JournalAsync(second, AuthorityKind.X509));

        // Left in the bundle (it never signed anything; it expires there), so the bundle does not change.
        var bundle = await BundleAsync(second);
        Assert.Equal(sequence, bundle.Sequence);
        Assert.Contains(bundle.X509Authorities, a => a.RawData.AsSpan().SequenceEqual(prepared.PublicData));

        // A new one can be prepared in its place.
        var next = await second.Ca.PrepareAsync(AuthorityKind.X509, CancellationToken.None);
        Assert.Equal("B", next.Slot);
    }

    [Fact]
    public async Task Restart_WhenTheActiveKeyIsGoneButAPreparedOneIsUsable_ActivatesThePreparedOne()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        CaAuthority active;
        CaAuthority prepared;
        await using (var first = await IssuerServices.StartAsync(Disk, _directory, clock))
        {
            active = first.Ca.ActiveX509.Record;
            clock.Advance(TimeSpan.FromSeconds(1));
            prepared = await first.Ca.PrepareAsync(AuthorityKind.X509, CancellationToken.None);
            await first.Provider.GetRequiredService<IKeyManager>().DeleteKeyAsync(active.KeyId, CancellationToken.None);
        }

        await using var second = await IssuerServices.StartAsync(Disk, _directory, clock);

        Assert.Equal(prepared.Id, second.Ca.ActiveX509.Id);
        Assert.Null(second.Ca.PreparedX509);
        Assert.Equal([(active.Id, "A", AuthorityStatus.Old), (prepared.Id, "B", AuthorityStatus.Active)], await JournalAsync(second, AuthorityKind.X509));
    }

    [Fact]
    public async Task PreparedAuthorityMissingFromTheBundle_IsNeverActivated()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string activeId;
        await using (var first = await IssuerServices.StartAsync(Disk, _directory, clock))
        {
            activeId = first.Ca.ActiveX509.Id;
            var prepared = await first.Ca.PrepareAsync(AuthorityKind.X509, CancellationToken.None);
            await first.Store.RemoveFromBundleAsync("example.org", [prepared.PublicData], [], CancellationToken.None);

            var error = await Assert.ThrowsAsync<CaException>(() => first.Ca.ActivateAsync(AuthorityKind.X509, CancellationToken.None));
            Assert.Contains("not in the trust bundle", error.Message, StringComparison.Ordinal);
            Assert.Equal(activeId, first.Ca.ActiveX509.Id);
        }

        await using var second = await IssuerServices.StartAsync(Disk, _directory, clock);
        Assert.Equal(activeId, second.Ca.ActiveX509.Id);
        Assert.Null(second.Ca.PreparedX509);
    }

    [Fact]
    public async Task Manual_PrepareThenActivate_SwitchesSigningAtOnce()
    {
        await using var issuer = await IssuerServices.StartAsync();
        var first = issuer.Ca.ActiveX509.Id;
        issuer.Clock.Advance(TimeSpan.FromSeconds(1));

        var prepared = await issuer.Ca.PrepareAsync(AuthorityKind.X509, CancellationToken.None);
        Assert.Equal(AuthorityStatus.Prepared, prepared.Status);
        Assert.Equal(first, issuer.Ca.ActiveX509.Id);

        var activated = await issuer.Ca.ActivateAsync(AuthorityKind.X509, CancellationToken.None);
        Assert.Equal(prepared.Id, activated.Id);
        Assert.Equal(AuthorityStatus.Active, activated.Status);
        Assert.Equal(prepared.Id, issuer.Ca.ActiveX509.Id);
        Assert.Equal([(first, "A", AuthorityStatus.Old), (prepared.Id, "B", AuthorityStatus.Active)], await JournalAsync(issuer, AuthorityKind.X509));

        // The JWT key was not touched.
        Assert.Single(await issuer.Store.ListAuthoritiesAsync(AuthorityKind.Jwt, CancellationToken.None));
    }

    [Fact]
    public async Task Manual_ActivateWithoutPrepared_AndPrepareTwice_FailWithClearErrors()
    {
        await using var issuer = await IssuerServices.StartAsync();

        var activate = await Assert.ThrowsAsync<CaException>(() => issuer.Ca.ActivateAsync(AuthorityKind.Jwt, CancellationToken.None));
        Assert.Equal("no jwt authority is prepared; run prepare first", activate.Message);

        var prepared = await issuer.Ca.PrepareAsync(AuthorityKind.X509, CancellationToken.None);
        var again = await Assert.ThrowsAsync<CaException>(() => issuer.Ca.PrepareAsync(AuthorityKind.X509, CancellationToken.None));
        Assert.Contains(prepared.Id, again.Message, StringComparison.Ordinal);
        Assert.Contains("already prepared", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfiguredFractions_MoveThePrepareAndActivateTimes()
    {
        await using var issuer = await IssuerServices.StartAsync(new Dictionary<string, string?> { ["Ca:PrepareAt"] = "0.25", ["Ca:ActivateAt"] = "0.5" });
        var first = issuer.Ca.ActiveX509.Id;

        issuer.Clock.Advance(TimeSpan.FromHours(6) + TimeSpan.FromMinutes(1));
        await issuer.Ca.RotateIfDueAsync(CancellationToken.None);
        Assert.NotNull(issuer.Ca.PreparedX509);
        Assert.Equal(first, issuer.Ca.ActiveX509.Id);

        issuer.Clock.Advance(TimeSpan.FromHours(6));
        await issuer.Ca.RotateIfDueAsync(CancellationToken.None);
        Assert.NotEqual(first, issuer.Ca.ActiveX509.Id);
    }

    [Theory]
    [InlineData(0.0, 0.8)]
    [InlineData(0.5, 0.5)]
    [InlineData(0.9, 0.5)]
    [InlineData(0.5, 1.0)]
    [InlineData(double.NaN, 0.8)]
    public void Options_OutOfOrderFractions_FailNamingBothKeys(double prepareAt, double activateAt)
    {
        var result = new IssuerOptionsValidator().Validate(null, new CaOptions { PrepareAt = prepareAt, ActivateAt = activateAt });

        Assert.True(result.Failed);
        Assert.Contains("Ca:PrepareAt", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Ca:ActivateAt", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Defaults_AreHalfAndFiveSixths()
    {
        var options = new CaOptions();

        Assert.Equal(0.5, options.PrepareAt);
        Assert.Equal(5.0 / 6.0, options.ActivateAt, 10);
        Assert.True(new IssuerOptionsValidator().Validate(null, options).Succeeded);
    }
}
