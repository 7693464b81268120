using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task UpdateAttestedNodeCertificate_WithTheCurrentSerial_ReplacesItOnce()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("renewing") with { CertificateSerial = "01" }, Ct);
        Clock.Advance(TimeSpan.FromMinutes(5));

        var first = await Store.UpdateAttestedNodeCertificateAsync(node.SpiffeId, "01", "02", Start.AddHours(3), Clock.GetUtcNow(), Ct);
        var second = await Store.UpdateAttestedNodeCertificateAsync(node.SpiffeId, "01", "03", Start.AddHours(4), Clock.GetUtcNow(), Ct);
        var read = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal("02", read!.CertificateSerial);
        Assert.Equal(Start.AddHours(3), read.CertificateNotAfter);
        Assert.Equal(Start.AddMinutes(5), read.LastSeenAt);
        Assert.Equal(node.Selectors, read.Selectors);
    }

    [Fact]
    public async Task UpdateAttestedNodeCertificate_OfABannedOrMissingNode_ChangesNothing()
    {
        var node = await Store.UpsertAttestedNodeAsync(NewNode("banned") with { CertificateSerial = "01", Banned = true }, Ct);

        Assert.False(await Store.UpdateAttestedNodeCertificateAsync(node.SpiffeId, "01", "02", Start.AddHours(3), Start, Ct));
        Assert.False(await Store.UpdateAttestedNodeCertificateAsync(Id("nobody"), "01", "02", Start.AddHours(3), Start, Ct));
        var read = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);
        Assert.Equal("01", read!.CertificateSerial);
        Assert.True(read.Banned);
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
}
