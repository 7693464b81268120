using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.WorkloadApi;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

/// <summary>The .NET <see cref="WorkloadApiClient"/> and <see cref="X509Source"/> against the real server.</summary>
public sealed class WorkloadApiClientTests : WorkloadApiTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    [Fact]
    public async Task FetchX509Context_ReturnsTheDefaultSvidWithItsKeyAndTheBundles()
    {
        var svid = Td.MintSvid("e1", "/web", [UidSelector], hint: "internal");
        Server.Cache.Publish(svid, Td.MintSvid("e2", "/web2", [UidSelector]));
        using var client = new WorkloadApiClient(Server.Address);

        var context = await client.FetchX509ContextAsync();

        Assert.Equal(2, context.Svids.Count);
        Assert.Equal("spiffe://example.org/web", context.DefaultSvid.Id.ToString());
        Assert.Equal("internal", context.DefaultSvid.Hint);
        Assert.Equal(svid.ChainDer, context.DefaultSvid.Certificate.RawData);
        using var key = context.DefaultSvid.Certificate.GetECDsaPrivateKey()!;
        var signature = key.SignData("proof"u8, HashAlgorithmName.SHA256);
        using var publicKey = context.DefaultSvid.Certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData("proof"u8, signature, HashAlgorithmName.SHA256));
        var bundle = context.Bundles.GetX509Bundle(Td.TrustDomain)!;
        Assert.Equal(Td.RootCa.RawData, Assert.Single(bundle.Authorities).RawData);
    }

    [Fact]
    public async Task FetchX509Context_WithoutIdentity_ThrowsPermissionDenied()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", ["unix:uid:4242"]));
        using var client = new WorkloadApiClient(Server.Address);

        var e = await Assert.ThrowsAsync<WorkloadApiException>(() => client.FetchX509ContextAsync());

        Assert.Equal(GrpcStatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("no identity issued", e.StatusMessage);
    }

    [Fact]
    public async Task FetchBundles_ReturnTheOwnTrustDomainsX509AndJwtAuthorities()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        using var client = new WorkloadApiClient(Server.Address);

        var x509 = await client.FetchX509BundlesAsync();
        var jwt = await client.FetchJwtBundlesAsync();

        Assert.Equal(Td.RootCa.RawData, Assert.Single(x509.GetX509Bundle(Td.TrustDomain)!.Authorities).RawData);
        Assert.Equal(Td.JwtKeyId, Assert.Single(jwt.GetJwtAuthorities(Td.TrustDomain)!).KeyId);
    }

    [Fact]
    public async Task FetchJwtSvid_ThenValidate_RoundTripsAndHonoursTheRequestedId()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]), Td.MintSvid("e2", "/admin", [UidSelector]));
        using var client = new WorkloadApiClient(Server.Address);

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
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        using var client = new WorkloadApiClient(Server.Address);
        await using var source = await X509Source.CreateAsync(client, FastRetry());
        var rotated = Td.MintSvid("e1", "/web", [UidSelector]);
        var updated = NextUpdate(source, rotated.ChainDer);

        Server.Cache.Publish(rotated);

        await updated.WaitAsync(Patience);
        Assert.Equal(rotated.ChainDer, source.Svid.Certificate.RawData);
        Assert.True(source.Svid.Certificate.HasPrivateKey);
    }

    [Fact]
    public async Task X509Source_AfterTheServerRestarts_ReconnectsAndGetsTheNewSvid()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        using var client = new WorkloadApiClient(Server.Address);
        await using var source = await X509Source.CreateAsync(client, FastRetry());

        await Server.StopAsync();
        var rotated = Td.MintSvid("e1", "/web", [UidSelector]);
        var updated = NextUpdate(source, rotated.ChainDer);
        Server.Cache.Publish(rotated);
        await Server.StartAsync();

        await updated.WaitAsync(Patience);
        Assert.Equal(rotated.ChainDer, source.Svid.Certificate.RawData);
    }

    [Fact]
    public async Task Client_WhenNothingListens_ThrowsUnavailable()
    {
        using var client = new WorkloadApiClient("unix://" + Path.Combine(Server.Root, "nothing.sock"));

        var e = await Assert.ThrowsAsync<WorkloadApiException>(() => client.FetchX509ContextAsync());

        Assert.Equal(GrpcStatusCode.Unavailable, e.StatusCode);
    }

    [Fact]
    public async Task Client_WhenNothingListens_UnaryCallThrowsUnavailableNamingTheSocket()
    {
        var socket = Path.Combine(Server.Root, "nothing.sock");
        using var client = new WorkloadApiClient("unix://" + socket);

        var e = await Assert.ThrowsAsync<WorkloadApiException>(() => client.FetchJwtSvidAsync("aud"));

        Assert.Equal(GrpcStatusCode.Unavailable, e.StatusCode);
        Assert.StartsWith("cannot reach the Workload API: cannot connect to " + socket, e.StatusMessage, StringComparison.Ordinal);
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
