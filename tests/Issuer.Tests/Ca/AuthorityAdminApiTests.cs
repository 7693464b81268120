using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Cli;
using IdentityIssuer.Issuer.Tests.Support;

namespace IdentityIssuer.Issuer.Tests.Ca;

/// <summary>The authority admin API on a real host: list, prepare, activate and their errors. Owns its host, since it rotates the CA.</summary>
public sealed class AuthorityAdminApiTests : IClassFixture<IssuerHostFixture>
{
    private readonly IssuerHostFixture _host;

    public AuthorityAdminApiTests(IssuerHostFixture host) => _host = host;

    [Fact]
    public async Task Jwt_ShowPrepareActivate_ThroughTheAdminApi()
    {
        using var client = _host.CreateClient();

        var before = await client.GetAsync<AuthorityListView>("v1/authorities/jwt", CancellationToken.None);
        var first = Assert.Single(before.Authorities);
        Assert.Equal(("jwt", "A", "active", false), (first.Kind, first.Slot, first.Status, first.Upstream));

        var error = await Assert.ThrowsAsync<AdminApiException>(() => client.PostAsync<AuthorityView>("v1/authorities/jwt/activate", new { }, CancellationToken.None));
        Assert.Equal("no jwt authority is prepared; run prepare first", error.Message);

        var prepared = await client.PostAsync<AuthorityView>("v1/authorities/jwt/prepare", new { }, CancellationToken.None);
        Assert.Equal(("B", "prepared"), (prepared.Slot, prepared.Status));
        var again = await Assert.ThrowsAsync<AdminApiException>(() => client.PostAsync<AuthorityView>("v1/authorities/jwt/prepare", new { }, CancellationToken.None));
        Assert.Contains("already prepared", again.Message, StringComparison.Ordinal);

        var activated = await client.PostAsync<AuthorityView>("v1/authorities/jwt/activate", new { }, CancellationToken.None);
        Assert.Equal((prepared.Id, "active"), (activated.Id, activated.Status));

        var after = await client.GetAsync<AuthorityListView>("v1/authorities/jwt", CancellationToken.None);
        Assert.Equal([(first.Id, "old"), (prepared.Id, "active")], after.Authorities.Select(a => (a.Id, a.Status)));
        var health = await client.GetAsync<HealthView>("v1/health", CancellationToken.None);
        Assert.Equal(prepared.Id, health.JwtKeyId);
    }

    [Fact]
    public async Task X509_Show_ListsTheActiveCa()
    {
        using var client = _host.CreateClient();

        var list = await client.GetAsync<AuthorityListView>("v1/authorities/x509", CancellationToken.None);

        Assert.Contains(list.Authorities, a => a.Kind == "x509" && a.Status == "active" && a.KeyId.Length > 0 && a.NotAfter > a.NotBefore);
    }

    [Fact]
    public async Task UnknownKind_Is404NamingTheKinds()
    {
        using var client = _host.CreateClient();

        var error = await Assert.ThrowsAsync<AdminApiException>(() => client.GetAsync<AuthorityListView>("v1/authorities/rsa", CancellationToken.None));

        Assert.Equal("no authority kind 'rsa'; use x509 or jwt", error.Message);
    }
}
