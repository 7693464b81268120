using System.Net;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Forwarding;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Tests.Identity;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace IdentityIssuer.Gateway.Tests.Forwarding;

/// <summary>
/// The upstream's SVID is checked against its CA's CRL with the gateway's configured freshness
/// (<c>Gateway:CrlGrace</c>), not the default: a CRL past its nextUpdate by more than the configured
/// grace fails closed for the upstream as it does for callers.
/// </summary>
public sealed class UpstreamCrlFreshnessTests : IAsyncLifetime
{
    private const string Caller = "spiffe://example.org/agents/a";
    private readonly TestIdentity _td = new();
    private WebApplication? _upstream;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = FreePort.Next();
        var certificate = _td.Leaf("/upstream");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _port, listen => listen.UseHttps(certificate)));
        _upstream = builder.Build();
        _upstream.Run(context => context.Response.WriteAsync("upstream reached"));
        await _upstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    [Fact]
    public async Task Forward_CrlTwoMinutesPastNextUpdate_PassesWithTheDefaultGrace_AndIsRefusedWithAOneMinuteGrace()
    {
        var now = DateTimeOffset.UtcNow;
        var identity = _td.With(TestIdentity.Crl(_td.Ca, now.AddHours(-2), now.AddMinutes(-2)));

        using var lenient = Forwarder(identity, null);
        var passed = Request();
        await lenient.ForwardAsync(passed, Caller, null, null, CancellationToken.None);

        using var strict = Forwarder(identity, new CrlFreshnessOptions { Grace = TimeSpan.FromMinutes(1) });
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => strict.ForwardAsync(Request(), Caller, null, null, CancellationToken.None));

        Assert.Equal(200, passed.Response.StatusCode);
        Assert.Equal("upstream reached", Body(passed));
        Assert.NotNull(refused);
    }

    private UpstreamForwarder Forwarder(WorkloadIdentity identity, CrlFreshnessOptions? freshness) =>
        new(new UpstreamOptions { Address = $"https://127.0.0.1:{_port}", SpiffeId = "spiffe://example.org/upstream" }, new StaticWorkloadIdentitySource(identity), TimeProvider.System, freshness: freshness);

    private static DefaultHttpContext Request()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/search";
        context.Request.Path = "/search";
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return new StreamReader(context.Response.Body).ReadToEnd();
    }
}
