using System.Net;
using System.Text.Json;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Forwarding;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Tests.Identity;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace IdentityIssuer.Gateway.Tests.Forwarding;

/// <summary>
/// The forwarder against real (in-process, plain HTTP) upstreams that answer with the port and the
/// protocol they were reached on: HTTP/2 to the upstream, and failover between several addresses.
/// </summary>
public sealed class UpstreamAddressesTests : IAsyncLifetime
{
    private const string Caller = "spiffe://example.org/agents/a";
    private readonly List<WebApplication> _upstreams = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var upstream in _upstreams)
        {
            await upstream.DisposeAsync();
        }
    }

    [Fact]
    public async Task Forward_WithHttpVersion2_ReachesAnHttp2OnlyUpstreamOverHttp2()
    {
        var port = await StartUpstreamAsync(HttpProtocols.Http2);
        using var forwarder = Forwarder(new UpstreamOptions { Address = $"http://127.0.0.1:{port}", HttpVersion = "2" });
        var context = Request("/search?q=1");

        Assert.Equal(200, await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None));
        var answer = Answer(context);
        Assert.Equal("HTTP/2", answer.GetProperty("protocol").GetString());
        Assert.Equal(Caller, answer.GetProperty("caller").GetString());
    }

    [Fact]
    public async Task Forward_WithTheDefaultHttpVersion_ReachesTheUpstreamOverHttp11()
    {
        var port = await StartUpstreamAsync(HttpProtocols.Http1AndHttp2);
        using var forwarder = Forwarder(new UpstreamOptions { Address = $"http://127.0.0.1:{port}" });
        var context = Request("/search");

        await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None);
        Assert.Equal("HTTP/1.1", Answer(context).GetProperty("protocol").GetString());
    }

    [Fact]
    public async Task Forward_FirstAddressDown_HealthProbeMarksIt_AndRequestsGoToTheSecond()
    {
        var down = FreePort.Next();
        var up = await StartUpstreamAsync(HttpProtocols.Http1);
        using var forwarder = Forwarder(new UpstreamOptions
        {
            Addresses = [$"http://127.0.0.1:{down}", $"http://127.0.0.1:{up}"],
            HealthCheck = new UpstreamHealthCheckOptions { Path = "/healthz" },
        });

        // Before any probe the first address is tried, and it is not there.
        await Assert.ThrowsAsync<HttpRequestException>(() => forwarder.ForwardAsync(Request("/search"), Caller, null, null, CancellationToken.None));

        var changed = Assert.Single(await forwarder.ProbeAsync(CancellationToken.None));
        Assert.Equal($"http://127.0.0.1:{down}", changed.Prefix);
        Assert.False(changed.IsHealthy);
        Assert.True(forwarder.Destinations.All[1].IsHealthy);

        var context = Request("/search");
        Assert.Equal(200, await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None));
        Assert.Equal(up, Answer(context).GetProperty("port").GetInt32());
    }

    [Fact]
    public async Task Forward_UnhealthyAddressRecovers_RequestsGoBackToIt()
    {
        var healthy = true;
        var first = await StartUpstreamAsync(HttpProtocols.Http1, () => healthy);
        var second = await StartUpstreamAsync(HttpProtocols.Http1);
        using var forwarder = Forwarder(new UpstreamOptions
        {
            Addresses = [$"http://127.0.0.1:{first}", $"http://127.0.0.1:{second}"],
            HealthCheck = new UpstreamHealthCheckOptions { Path = "/healthz" },
        });

        healthy = false;
        Assert.Contains("/healthz answered 503", Assert.Single(await forwarder.ProbeAsync(CancellationToken.None)).Problem, StringComparison.Ordinal);
        var failedOver = Request("/search");
        await forwarder.ForwardAsync(failedOver, Caller, null, null, CancellationToken.None);
        Assert.Equal(second, Answer(failedOver).GetProperty("port").GetInt32());

        healthy = true;
        Assert.True(Assert.Single(await forwarder.ProbeAsync(CancellationToken.None)).IsHealthy);
        var back = Request("/search");
        await forwarder.ForwardAsync(back, Caller, null, null, CancellationToken.None);
        Assert.Equal(first, Answer(back).GetProperty("port").GetInt32());
    }

    [Fact]
    public async Task HealthMonitor_Running_MarksTheDownAddress_AndRequestsFailOver()
    {
        var down = FreePort.Next();
        var up = await StartUpstreamAsync(HttpProtocols.Http1);
        var options = new UpstreamOptions
        {
            Addresses = [$"http://127.0.0.1:{down}", $"http://127.0.0.1:{up}"],
            HealthCheck = new UpstreamHealthCheckOptions { Path = "/healthz", Interval = TimeSpan.FromMilliseconds(200) },
        };
        using var forwarder = Forwarder(options);
        using var monitor = new UpstreamHealthMonitor(forwarder, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<UpstreamHealthMonitor>.Instance);
        await monitor.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (forwarder.Destinations.All[0].IsHealthy)
            {
                Assert.True(DateTime.UtcNow < deadline, "the monitor never marked the down address");
                await Task.Delay(50);
            }
        }
        finally
        {
            await monitor.StopAsync(CancellationToken.None);
        }

        var context = Request("/search");
        Assert.Equal(200, await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None));
        Assert.Equal(up, Answer(context).GetProperty("port").GetInt32());
    }

    [Fact]
    public async Task Forward_NoAddressHealthy_ThrowsNamingTheHealthCheck()
    {
        using var forwarder = Forwarder(new UpstreamOptions
        {
            Addresses = [$"http://127.0.0.1:{FreePort.Next()}", $"http://127.0.0.1:{FreePort.Next()}"],
            HealthCheck = new UpstreamHealthCheckOptions { Path = "/healthz" },
        });
        Assert.Equal(2, (await forwarder.ProbeAsync(CancellationToken.None)).Count);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => forwarder.ForwardAsync(Request("/search"), Caller, null, null, CancellationToken.None));
        Assert.Contains("no upstream address is healthy", error.Message, StringComparison.Ordinal);
    }

    private static UpstreamForwarder Forwarder(UpstreamOptions options) =>
        new(options, new StaticWorkloadIdentitySource(new TestIdentity().With()), TimeProvider.System);

    private static DefaultHttpContext Request(string target)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        var query = target.IndexOf('?', StringComparison.Ordinal);
        context.Request.Path = query < 0 ? target : target[..query];
        context.Request.QueryString = new QueryString(query < 0 ? string.Empty : target[query..]);
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static JsonElement Answer(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return JsonDocument.Parse(context.Response.Body).RootElement;
    }

    /// <summary>An upstream on a free port; <c>/healthz</c> answers 200 while <paramref name="healthy"/> says so, else 503.</summary>
    private async Task<int> StartUpstreamAsync(HttpProtocols protocols, Func<bool>? healthy = null)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen => listen.Protocols = protocols));
        var app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Path == "/healthz")
            {
                context.Response.StatusCode = healthy?.Invoke() == false ? 503 : 200;
                return;
            }

            await context.Response.WriteAsJsonAsync(new
            {
                port,
                protocol = context.Request.Protocol,
                caller = context.Request.Headers[UpstreamForwarder.CallerHeader].ToString(),
            });
        });
        await app.StartAsync();
        _upstreams.Add(app);
        return port;
    }
}
