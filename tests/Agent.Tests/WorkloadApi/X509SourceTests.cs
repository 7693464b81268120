using IdentityIssuer.Agent.Tests.Support;
using IdentityIssuer.Spiffe.WorkloadApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

public sealed class X509SourceTests
{
    [Fact]
    public async Task CreateAsync_WhenTheServerSaysInvalidArgument_StopsWithoutRetrying()
    {
        var root = Path.Combine("/tmp", "wl-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        var socket = Path.Combine(root, "api.sock");
        var calls = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socket, l => l.Protocols = HttpProtocols.Http2));
        await using var app = builder.Build();
        app.MapPost("/SpiffeWorkloadAPI/FetchX509SVID", (HttpContext context) =>
        {
            Interlocked.Increment(ref calls);
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "3";
            context.Response.Headers["grpc-message"] = "bad request";
            return Task.CompletedTask;
        });
        await app.StartAsync();
        try
        {
            using var client = new WorkloadApiClient("unix://" + socket);
            var options = new X509SourceOptions { InitialBackoff = TimeSpan.FromMilliseconds(10) };

            var e = await Assert.ThrowsAsync<WorkloadApiException>(() => X509Source.CreateAsync(client, options));

            Assert.Equal(GrpcStatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal("bad request", e.StatusMessage);
            Assert.Equal(1, calls);
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task CreateAsync_WhilePermissionDenied_KeepsRetryingUntilAnIdentityIsIssued()
    {
        using var td = new TestTrustDomain();
        await using var server = await WorkloadApiTestServer.StartAsync(td);
        server.Cache.Publish(td.MintSvid("e1", "/other", ["unix:uid:4242"]));
        using var client = new WorkloadApiClient(server.Address);
        var options = new X509SourceOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(100) };

        var creating = X509Source.CreateAsync(client, options);
        server.Cache.Publish(td.MintSvid("e1", "/web", [$"unix:uid:{Users.CurrentUid()}"]));
        await using var source = await creating.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("spiffe://example.org/web", source.Svid.Id.ToString());
    }
}
