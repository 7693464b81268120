using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public abstract partial class DataStoreSuite
{
    [Fact]
    public async Task UpsertAttestedNode_CreatesThenReplaces_KeepingFirstAttestationTime()
    {
        var node = new AttestedNode
        {
            SpiffeId = Id("agent"),
            AttestationType = "join_token",
            CertificateSerial = "0a1b",
            CertificateNotAfter = Start.AddHours(1),
            Selectors = ["join_token:abc"],
            CanReattest = false,
        };
        var created = await Store.UpsertAttestedNodeAsync(node, Ct);
        Clock.Advance(TimeSpan.FromMinutes(30));

        var replaced = await Store.UpsertAttestedNodeAsync(
            node with { CertificateSerial = "0c2d", CertificateNotAfter = Start.AddHours(2), Banned = true, CanReattest = true, Selectors = ["a:b", "c:d"] },
            Ct);
        var read = await Store.GetAttestedNodeAsync(node.SpiffeId, Ct);

        Assert.Equal(Start, created.CreatedAt);
        Assert.Equal(Start, created.LastSeenAt);
        Assert.NotNull(read);
        Assert.Equal("join_token", read.AttestationType);
        Assert.Equal("0c2d", read.CertificateSerial);
        Assert.Equal(Start.AddHours(2), read.CertificateNotAfter);
        Assert.Equal(["a:b", "c:d"], read.Selectors);
        Assert.True(read.Banned);
        Assert.True(read.CanReattest);
        Assert.Equal(Start, read.CreatedAt);
        Assert.Equal(Start.AddMinutes(30), read.LastSeenAt);
        Assert.Equal(read.CertificateSerial, replaced.CertificateSerial);
    }

    [Fact]
    public async Task DeleteAttestedNode_RemovesIt_ThenReportsNothingToDelete()
    {
        await Store.UpsertAttestedNodeAsync(NewNode("agent"), Ct);

        Assert.True(await Store.DeleteAttestedNodeAsync(Id("agent"), Ct));
        Assert.Null(await Store.GetAttestedNodeAsync(Id("agent"), Ct));
        Assert.False(await Store.DeleteAttestedNodeAsync(Id("agent"), Ct));
    }

    [Fact]
    public async Task ListAttestedNodes_PagesBySpiffeId()
    {
        var store = await OpenFreshStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.UpsertAttestedNodeAsync(NewNode($"agent-{i}"), Ct);
        }

        var first = await store.ListAttestedNodesAsync(2, null, Ct);
        var second = await store.ListAttestedNodesAsync(2, first.NextPageToken, Ct);
        var third = await store.ListAttestedNodesAsync(2, second.NextPageToken, Ct);
        var all = await store.ListAttestedNodesAsync(0, null, Ct);

        var expected = Enumerable.Range(0, 5).Select(i => Id($"agent-{i}")).ToList();
        Assert.Equal(expected, first.Items.Concat(second.Items).Concat(third.Items).Select(n => n.SpiffeId));
        Assert.NotNull(second.NextPageToken);
        Assert.Null(third.NextPageToken);
        Assert.Equal(expected, all.Items.Select(n => n.SpiffeId));
        Assert.Null(all.NextPageToken);
    }

    [Fact]
    public async Task UpsertAuthority_CreatesAndReplaces_AndListsPerKindOldestFirst()
    {
        var store = await OpenFreshStoreAsync();
        var a = NewAuthority("ski-a", AuthorityKind.X509, "A", Start);
        var b = NewAuthority("ski-b", AuthorityKind.X509, "B", Start.AddMinutes(1));
        var jwt = NewAuthority("kid-1", AuthorityKind.Jwt, "A", Start.AddMinutes(2));
        await store.UpsertAuthorityAsync(b, Ct);
        await store.UpsertAuthorityAsync(a, Ct);
        await store.UpsertAuthorityAsync(jwt, Ct);

        var replaced = await store.UpsertAuthorityAsync(
            a with { Status = AuthorityStatus.Old, UpstreamChain = [9, 9], CreatedAt = Start.AddDays(1) }, Ct);
        var x509 = await store.ListAuthoritiesAsync(AuthorityKind.X509, Ct);
        var jwts = await store.ListAuthoritiesAsync(AuthorityKind.Jwt, Ct);

        Assert.Equal(["ski-a", "ski-b"], x509.Select(x => x.Id));
        var readA = x509[0];
        Assert.Equal(AuthorityStatus.Old, readA.Status);
        Assert.Equal(AuthorityKind.X509, readA.Kind);
        Assert.Equal("A", readA.Slot);
        Assert.Equal("key-ski-a", readA.KeyId);
        Assert.Equal(a.PublicData, readA.PublicData);
        Assert.Equal(new byte[] { 9, 9 }, readA.UpstreamChain);
        Assert.Equal(a.NotBefore, readA.NotBefore);
        Assert.Equal(a.NotAfter, readA.NotAfter);
        Assert.Equal(Start, readA.CreatedAt);
        Assert.Equal(AuthorityStatus.Old, replaced.Status);
        Assert.Equal(["kid-1"], jwts.Select(x => x.Id));
        Assert.Empty(jwts[0].UpstreamChain);
    }

    [Fact]
    public async Task UpsertAuthority_WithUnspecifiedKindOrStatus_IsRefused()
    {
        var authority = NewAuthority("ski-x", AuthorityKind.X509, "A", Start);

        await Assert.ThrowsAsync<ArgumentException>(() => Store.UpsertAuthorityAsync(authority with { Kind = AuthorityKind.Unspecified }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.UpsertAuthorityAsync(authority with { Status = AuthorityStatus.Unspecified }, Ct));
    }

    private AttestedNode NewNode(string path) => new()
    {
        SpiffeId = Id(path),
        AttestationType = "join_token",
        CertificateSerial = "01",
        CertificateNotAfter = Start.AddHours(1),
    };

    private static CaAuthority NewAuthority(string id, AuthorityKind kind, string slot, DateTimeOffset createdAt) => new()
    {
        Id = id,
        Kind = kind,
        Slot = slot,
        Status = AuthorityStatus.Active,
        KeyId = "key-" + id,
        PublicData = System.Text.Encoding.UTF8.GetBytes("public-" + id),
        NotBefore = createdAt,
        NotAfter = createdAt.AddDays(7),
        CreatedAt = createdAt,
    };
}
