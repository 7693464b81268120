using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.WorkloadApi;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

/// <summary>The .NET <see cref="WorkloadApiClient"/> and <see cref="X509Source"/> against the real server.</summary>
public sealed class WorkloadApiClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestTrustDomain _td = new();
    private WorkloadApiTestServer _server = null!;
    private string _uidSelector = string.Empty;

    public async Task InitializeAsync()
    {
        _server = await WorkloadApiTestServer.StartAsync(_td);
        _uidSelector = $"unix:uid:{Users.CurrentUid()}";
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _td.Dispose();
    }

    [Fact]
    public async Task FetchX509Context_ReturnsTheDefaultSvidWithItsKeyAndTheBundles()
    {
        var svid = _td.MintSvid("e1", "/web", [_uidSelector], hint: "internal");
        _server.Cache.Publish(svid, _td.MintSvid("e2", "/web2", [_uidSelector]));
        using var client = new WorkloadApiClient(_server.Address);

        var context = await client.FetchX509ContextAsync();

        Assert.Equal(2, context.Svids.Count);
        Assert.Equal("spiffe://example.org/web", context.DefaultSvid.Id.ToString());
        Assert.Equal("internal", context.DefaultSvid.Hint);
        Assert.Equal(svid.ChainDer, context.DefaultSvid.Certificate.RawData);
        using var key = context.DefaultSvid.Certificate.GetECDsaPrivateKey()!;
        var signature = key.SignData("proof"u8, HashAlgorithmName.SHA256);
        using var publicKey = context.DefaultSvid.Certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData("proof"u8, signature, HashAlgorithmName.SHA256));
        var bundle = context.Bundles.GetX509Bundle(_td.TrustDomain)!;
        Assert.Equal(_td.RootCa.RawData, Assert.Single(bundle.Authorities).RawData);
    }

    [Fact]
    public async Task FetchX509Context_WithoutIdentity_ThrowsPermissionDenied()
    {
        _server.Cache.Publish(_td.MintSvid("e1", "/web", ["unix:uid:4242"]));
        using var client = new WorkloadApiClient(_server.Address);

        var e = await Assert.ThrowsAsync<WorkloadApiException>(() => client.FetchX509ContextAsync());

        Assert.Equal(GrpcStatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("no identity issued", e.StatusMessage);
    }

    [Fact]
    public async Task FetchBundles_ReturnTheOwnTrustDomainsX509AndJwtAuthorities()
    {
        _server.Cache.Publish(_td.MintSvid("e1", "/web", [_uidSelector]));
        using var client = new WorkloadApiClient(_server.Address);

        var x509 = await client.FetchX509BundlesAsync();
        var jwt = await client.FetchJwtBundlesAsync();

        Assert.Equal(_td.RootCa.RawData, Assert.Single(x509.GetX509Bundle(_td.TrustDomain)!.Authorities).RawData);
        Assert.Equal(_td.JwtKeyId, Assert.Single(jwt.GetJwtAuthorities(_td.TrustDomain)!).KeyId);
    }

    [Fact]
    public async Task FetchJwtSvid_ThenValidate_RoundTripsAndHonoursTheRequestedId()
    {
        _server.Cache.Publish(_td.MintSvid("e1", "/web", [_uidSelector]), _td.MintSvid("e2", "/admin", [_uidSelector]));
        using var client = new WorkloadApiClient(_server.Address);

        var admin = await client.FetchJwtSvidAsync("tool-api", SpiffeId.Parse("spiffe://example.org/admin"));
        var validated = await client.ValidateJwtSvidAsync(admin.Token, "tool-api");

        Assert.Equal("spiffe://example.org/admin", admin.Id.ToString());
        Assert.Equal(admin.Id, validated.Id);
        Assert.Equal("spiffe://example.org/admin", validated.Claims.GetProperty("sub").GetString());
        Assert.DoesNotContain(admin.Token, admin.ToString(), StringComparison.Ordinal);
        var all = await client.FetchJwtSvidsAsync(["a", "b"]);
        Assert.Equal(2, all.Count);
        var rejected = await Assert.ThrowsAsync<WorkloadApiException>(() => client.ValidateJwtSvidAsync(admin.Token, "other"));
        Assert.Equal(GrpcStatusCode.InvalidArgument, rejected.StatusCode);
    }

    [Fact]
    public async Task X509Source_FollowsRotation_AndRaisesUpdated()
    {
        _server.Cache.Publish(_td.MintSvid("e1", "/web", [_uidSelector]));
        using var client = new WorkloadApiClient(_server.Address);
        await using var source = await X509Source.CreateAsync(client, FastRetry());
        var rotated = _td.MintSvid("e1", "/web", [_uidSelector]);
        var updated = NextUpdate(source, rotated.ChainDer);

        _server.Cache.Publish(rotated);

        await updated.WaitAsync(Patience);
        Assert.Equal(rotated.ChainDer, source.Svid.Certificate.RawData);
        Assert.True(source.Svid.Certificate.HasPrivateKey);
    }

    [Fact]
    public async Task X509Source_AfterTheServerRestarts_ReconnectsAndGetsTheNewSvid()
    {
        _server.Cache.Publish(_td.MintSvid("e1", "/web", [_uidSelector]));
        using var client = new WorkloadApiClient(_server.Address);
        await using var source = await X509Source.CreateAsync(client, FastRetry());

        await _server.StopAsync();
        var rotated = _td.MintSvid("e1", "/web", [_uidSelector]);
        var updated = NextUpdate(source, rotated.ChainDer);
        _server.Cache.Publish(rotated);
        await _server.StartAsync();

        await updated.WaitAsync(Patience);
        Assert.Equal(rotated.ChainDer, source.Svid.Certificate.RawData);
    }

    [Fact]
    public async Task Client_WhenNothingListens_ThrowsUnavailable()
    {
        using var client = new WorkloadApiClient("unix://" + Path.Combine(_server.Root, "nothing.sock"));

        var e = await Assert.ThrowsAsync<WorkloadApiException>(() => client.FetchX509ContextAsync());

        Assert.Equal(GrpcStatusCode.Unavailable, e.StatusCode);
    }

    [Theory]
    [InlineData("unix:///run/agent.sock", "/run/agent.sock")]
    [InlineData("unix:/run/agent.sock", "/run/agent.sock")]
    [InlineData("unix:///run/my%20agent.sock", "/run/my agent.sock")]
    public void Address_UnixForms_Parse(string address, string path)
    {
        var endpoint = Assert.IsType<UnixDomainSocketEndPoint>(WorkloadApiAddress.Parse(address));
        Assert.Equal(path, endpoint.ToString());
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:8000", "127.0.0.1:8000")]
    [InlineData("tcp://[::1]:8000", "[::1]:8000")]
    public void Address_TcpForms_Parse(string address, string expected)
    {
        var endpoint = Assert.IsType<IPEndPoint>(WorkloadApiAddress.Parse(address));
        Assert.Equal(expected, endpoint.ToString());
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("/run/agent.sock", "is not a URI")]
    [InlineData("http://127.0.0.1:80", "unsupported scheme 'http'")]
    [InlineData("unix://agent.sock", "must not include a host")]
    [InlineData("unix:agent.sock", "must have an absolute path")]
    [InlineData("unix://", "must include a path")]
    [InlineData("unix:///run/agent.sock?x=1", "must not include query values")]
    [InlineData("unix:///run/agent.sock#frag", "must not include a fragment")]
    [InlineData("tcp://127.0.0.1:8000/foo", "must not include a path")]
    [InlineData("tcp://localhost:8000", "host must be an IP address")]
    [InlineData("tcp://127.0.0.1", "must include a port")]
    [InlineData("tcp://user@127.0.0.1:8000", "must not include user info")]
    [InlineData("tcp://127.0.0.1:0", "port between 1 and 65535")]
    public void Address_Invalid_FailsWithAClearMessage(string address, string message)
    {
        var e = Assert.Throws<FormatException>(() => WorkloadApiAddress.Parse(address));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => new WorkloadApiClient(address));
    }

    private static X509SourceOptions FastRetry() => new() { InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(200) };

    private static Task NextUpdate(X509Source source, byte[] expectedLeaf)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Updated += (_, e) =>
        {
            if (e.Context.DefaultSvid.Certificate.RawData.AsSpan().SequenceEqual(expectedLeaf))
            {
                done.TrySetResult();
            }
        };
        return done.Task;
    }
}
