using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task SetAttestedNodeNewCertificate_KeepsTheCurrentSerial_AndOnlyOneOfTwoRacingRenewalsWins()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("renewing") with { CertificateSerial = "01" }, Ct);
        Clock.Advance(TimeSpan.FromMinutes(5));

        var first = await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", null, "02", Start.AddHours(3), Clock.GetUtcNow(), Ct);
        var racing = await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", null, "03", Start.AddHours(4), Clock.GetUtcNow(), Ct);
        var read = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);

        Assert.True(first);
        Assert.False(racing);
        Assert.Equal("01", read!.CertificateSerial);
        Assert.Equal(node.CertificateNotAfter, read.CertificateNotAfter);
        Assert.Equal("02", read.NewCertificateSerial);
        Assert.Equal(Start.AddHours(3), read.NewCertificateNotAfter);
        Assert.Equal(Start.AddMinutes(5), read.LastSeenAt);
        Assert.Equal(node.Selectors, read.Selectors);
    }

    [Fact]
    public async Task SetAttestedNodeNewCertificate_RepeatedWithTheCurrentSerial_ReplacesThePendingOne()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("retrying") with { CertificateSerial = "01" }, Ct);
        await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", null, "02", Start.AddHours(3), Start, Ct);

        var repeated = await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", "02", "03", Start.AddHours(4), Start, Ct);
        var read = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);

        Assert.True(repeated);
        Assert.Equal("01", read!.CertificateSerial);
        Assert.Equal("03", read.NewCertificateSerial);
        Assert.Equal(Start.AddHours(4), read.NewCertificateNotAfter);
        Assert.False(await Store.PromoteAttestedNodeNewCertificateAsync(node.SpiffeId, "02", Start, Ct));
    }

    [Fact]
    public async Task PromoteAttestedNodeNewCertificate_MakesThePendingSerialCurrent_Once()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("promoting") with { CertificateSerial = "01" }, Ct);
        await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", null, "02", Start.AddHours(3), Start, Ct);

        var promoted = await Store.PromoteAttestedNodeNewCertificateAsync(node.SpiffeId, "02", Start.AddMinutes(7), Ct);
        var again = await Store.PromoteAttestedNodeNewCertificateAsync(node.SpiffeId, "02", Start.AddMinutes(8), Ct);
        var read = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);

        Assert.True(promoted);
        Assert.False(again);
        Assert.Equal("02", read!.CertificateSerial);
        Assert.Equal(Start.AddHours(3), read.CertificateNotAfter);
        Assert.Null(read.NewCertificateSerial);
        Assert.Null(read.NewCertificateNotAfter);
        Assert.Equal(Start.AddMinutes(7), read.LastSeenAt);
        Assert.False(await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", null, "04", Start.AddHours(5), Start, Ct));
    }

    [Fact]
    public async Task SetAndPromoteAttestedNodeNewCertificate_OfABannedOrMissingNode_ChangeNothing()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("banned") with { CertificateSerial = "01" }, Ct);
        await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", null, "02", Start.AddHours(3), Start, Ct);
        await Store.SetAttestedNodeBannedAsync(node.SpiffeId, true, Ct);

        Assert.False(await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", "02", "03", Start.AddHours(3), Start, Ct));
        Assert.False(await Store.PromoteAttestedNodeNewCertificateAsync(node.SpiffeId, "02", Start, Ct));
        Assert.False(await Store.SetAttestedNodeNewCertificateAsync(Id("nobody"), "01", null, "02", Start.AddHours(3), Start, Ct));
        Assert.False(await Store.PromoteAttestedNodeNewCertificateAsync(Id("nobody"), "02", Start, Ct));
        var read = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);
        Assert.Equal("01", read!.CertificateSerial);
        Assert.Equal("02", read.NewCertificateSerial);
        Assert.True(read.Banned);
    }

    [Fact]
    public async Task UpsertAttestedNode_ClearsAPendingSerial()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("reattesting") with { CertificateSerial = "01" }, Ct);
        await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", null, "02", Start.AddHours(3), Start, Ct);

        var upserted = await Store.UpsertAttestedNodeAsync(node with { CertificateSerial = "05" }, Ct);

        Assert.Equal("05", upserted.CertificateSerial);
        Assert.Null(upserted.NewCertificateSerial);
        Assert.Null(upserted.NewCertificateNotAfter);
    }

    [Fact]
    public async Task TouchAttestedNode_SetsOnlyLastSeen()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("seen") with { Banned = true }, Ct);

        var touched = await Store.TouchAttestedNodeAsync(node.SpiffeId, Start.AddMinutes(9), Ct);
        var read = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);

        Assert.True(touched);
        Assert.Equal(Start.AddMinutes(9), read!.LastSeenAt);
        Assert.True(read.Banned);
        Assert.Equal(node.CertificateSerial, read.CertificateSerial);
        Assert.False(await Store.TouchAttestedNodeAsync(Id("nobody"), Start, Ct));
    }

    [Fact]
    public async Task SetAttestedNodeBanned_SetsOnlyTheFlag_AndUnbanClearsIt()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("ban-me") with { CertificateSerial = "01" }, Ct);

        var banned = await Store.SetAttestedNodeBannedAsync(node.SpiffeId, true, Ct);
        var renewed = await Store.SetAttestedNodeNewCertificateAsync(node.SpiffeId, "01", null, "02", Start.AddHours(3), Start, Ct);
        await Store.TouchAttestedNodeAsync(node.SpiffeId, Start.AddMinutes(9), Ct);
        var afterBan = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);
        var unbanned = await Store.SetAttestedNodeBannedAsync(node.SpiffeId, false, Ct);
        var afterUnban = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);

        Assert.True(banned);
        Assert.False(renewed);
        Assert.True(afterBan!.Banned);
        Assert.Equal("01", afterBan.CertificateSerial);
        Assert.Null(afterBan.NewCertificateSerial);
        Assert.Equal(node.Selectors, afterBan.Selectors);
        Assert.True(unbanned);
        Assert.False(afterUnban!.Banned);
        Assert.Equal(Start.AddMinutes(9), afterUnban.LastSeenAt);
        Assert.False(await Store.SetAttestedNodeBannedAsync(Id("nobody"), true, Ct));
    }

    [Fact]
    public async Task UpsertAttestedNode_KeepsAStoredBan()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("stays-banned"), Ct);
        await Store.SetAttestedNodeBannedAsync(node.SpiffeId, true, Ct);

        var upserted = await Store.UpsertAttestedNodeAsync(node with { CertificateSerial = "0f", Banned = false }, Ct);

        Assert.True(upserted.Banned);
        Assert.Equal("0f", upserted.CertificateSerial);
        Assert.True((await Store.GetAttestedNodeAsync(node.SpiffeId, Ct))!.Banned);
    }
}
