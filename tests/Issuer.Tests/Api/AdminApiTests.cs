using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Cli;
using IdentityIssuer.Issuer.Registration;
using IdentityIssuer.Issuer.Tests.Support;

namespace IdentityIssuer.Issuer.Tests.Api;

public sealed class AdminApiTests : IClassFixture<IssuerHostFixture>
{
    private readonly IssuerHostFixture _host;

    public AdminApiTests(IssuerHostFixture host) => _host = host;

    private static HttpClient Raw(string socketPath) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://admin.sock/") };

    [Fact]
    public void AdminSocket_IsOwnerOnly()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_host.SocketPath));
    }

    [Fact]
    public async Task CreateShowListDelete_RoundTrip()
    {
        using var client = _host.CreateClient();
        var input = new EntryInput { SpiffeId = "spiffe://example.org/api/roundtrip", ParentId = "spiffe://example.org/identity-issuer/server", Selectors = ["unix:uid:4242"] };

        var created = await client.PostAsync<EntryView>("v1/entries", input, CancellationToken.None);
        var shown = await client.GetAsync<EntryView>($"v1/entries/{created.Id}", CancellationToken.None);
        var listed = await client.GetAsync<EntryListView>("v1/entries?selector=unix:uid:4242&match=superset", CancellationToken.None);
        await client.DeleteAsync<EntryView>($"v1/entries/{created.Id}", CancellationToken.None);
        var afterDelete = await client.GetAsync<EntryListView>("v1/entries?spiffeId=spiffe%3A%2F%2Fexample.org%2Fapi%2Froundtrip", CancellationToken.None);

        Assert.Equal(created.Id, shown.Id);
        Assert.Equal("spiffe://example.org/api/roundtrip", shown.SpiffeId);
        Assert.Equal(["unix:uid:4242"], shown.Selectors);
        Assert.Equal(created.RevisionNumber, shown.RevisionNumber);
        Assert.Equal(created.Id, Assert.Single(listed.Entries).Id);
        Assert.Empty(afterDelete.Entries);
    }

    [Fact]
    public async Task Create_WithBadFields_Returns400NamingEachField()
    {
        using var http = Raw(_host.SocketPath);

        var response = await http.PostAsJsonAsync("v1/entries", new { spiffeId = "spiffe://example.org/x", parentId = "spiffe://example.org/identity-issuer/server", selectors = new[] { "unix:uid:x" }, x509SvidTtl = 3 });
        var error = await response.Content.ReadFromJsonAsync<ErrorView>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["selectors", "x509SvidTtl"], error!.Errors!.Select(e => e.Field).Order());
    }

    [Fact]
    public async Task Create_WithMalformedJson_Returns400SayingSo()
    {
        using var http = Raw(_host.SocketPath);

        var response = await http.PostAsync("v1/entries", new StringContent("{\"spiffeId\": ", System.Text.Encoding.UTF8, "application/json"));
        var error = await response.Content.ReadFromJsonAsync<ErrorView>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("request body is not valid", error!.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_Duplicate_Returns409NamingTheExistingEntry()
    {
        using var client = _host.CreateClient();
        var input = new EntryInput { SpiffeId = "spiffe://example.org/api/dup", ParentId = "spiffe://example.org/identity-issuer/server", Selectors = ["unix:uid:7"] };
        var first = await client.PostAsync<EntryView>("v1/entries", input, CancellationToken.None);

        var error = await Assert.ThrowsAsync<AdminApiException>(() => client.PostAsync<EntryView>("v1/entries", input, CancellationToken.None));

        Assert.Contains(first.Id, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_UnknownEntry_Returns404()
    {
        using var http = Raw(_host.SocketPath);

        var response = await http.GetAsync("v1/entries/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no entry with id 'nope'", (await response.Content.ReadFromJsonAsync<ErrorView>())!.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JoinToken_IsReturnedOnceAndOnlyItsHashIsStored()
    {
        using var client = _host.CreateClient();

        var token = await client.PostAsync<JoinTokenView>("v1/join-tokens", new JoinTokenRequest(60), CancellationToken.None);

        Assert.Matches("^[0-9a-f]{32}$", token.Token);
        Assert.StartsWith("spiffe://example.org/identity-issuer/agent/join_token/", token.AgentId, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Token, token.AgentId, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(_host.Directory, "issuer.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(-1, copy.ToArray().AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(token.Token)));
        }
    }

    [Fact]
    public async Task JoinToken_WithTtlOutOfRange_IsRefused()
    {
        using var client = _host.CreateClient();

        var error = await Assert.ThrowsAsync<AdminApiException>(() => client.PostAsync<JoinTokenView>("v1/join-tokens", new JoinTokenRequest(-5), CancellationToken.None));

        Assert.Contains("ttl", error.Error!.Errors![0].Field, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ReportsTheTrustDomainAndActiveAuthority()
    {
        using var client = _host.CreateClient();

        var health = await client.GetAsync<HealthView>("v1/health", CancellationToken.None);

        Assert.Equal("ok", health.Status);
        Assert.Equal("example.org", health.TrustDomain);
        Assert.False(string.IsNullOrEmpty(health.JwtKeyId));
    }
}
