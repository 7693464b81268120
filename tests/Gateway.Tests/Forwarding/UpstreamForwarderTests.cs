using System.Net;
using System.Text;
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

namespace IdentityIssuer.Gateway.Tests.Forwarding;

/// <summary>The forwarder against a real (in-process, plain HTTP) upstream that echoes what it received.</summary>
public sealed class UpstreamForwarderTests : IAsyncLifetime
{
    private const string Caller = "spiffe://example.org/agents/a";
    private readonly int _port = FreePort.Next();
    private WebApplication? _upstream;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _port));
        _upstream = builder.Build();
        _upstream.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            context.Response.Headers["X-Upstream"] = "yes";
            context.Response.Headers["X-Workload-Spiffe-Id"] = "spiffe://example.org/leak";
            await context.Response.WriteAsJsonAsync(new
            {
                path = context.Request.Path.Value,
                rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget,
                query = context.Request.QueryString.Value,
                ids = context.Request.Headers.Where(h => h.Key.Equals("X-Workload-Spiffe-Id", StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Value).ToArray(),
                custom = context.Request.Headers["X-Custom"].ToString(),
                headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToArray(), StringComparer.OrdinalIgnoreCase),
                body,
            });
        });
        await _upstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    private UpstreamForwarder Forwarder(bool forwardAuthorization = false) => new(
        new UpstreamOptions { Address = $"http://127.0.0.1:{_port}", ForwardAuthorization = forwardAuthorization },
        new StaticWorkloadIdentitySource(new TestIdentity().With()),
        TimeProvider.System);

    /// <summary>A request as Kestrel hands it over: <paramref name="path"/> and <paramref name="query"/> as sent, and the path decoded once.</summary>
    private static DefaultHttpContext Request(string method, string path, string query, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = path + query;
        context.Request.Path = Uri.UnescapeDataString(path);
        context.Request.QueryString = new QueryString(query);
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>The headers the upstream received, by name (any case).</summary>
    private static Dictionary<string, string[]> Headers(JsonElement answer) =>
        answer.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetString()!).ToArray(), StringComparer.OrdinalIgnoreCase);

    private static JsonElement Answer(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return JsonDocument.Parse(context.Response.Body).RootElement;
    }

    [Theory]
    [InlineData("X-Workload-Spiffe-Id")]
    [InlineData("x-workload-spiffe-id")]
    [InlineData("X-WORKLOAD-SPIFFE-ID")]
    public async Task Forward_ReplacesAnyInboundCallerHeader_WithTheValidatedId(string forgedName)
    {
        using var forwarder = Forwarder();
        var context = Request("GET", "/search", "?q=1&index=docs", (forgedName, "spiffe://example.org/admin"), (forgedName, "spiffe://example.org/root"), ("X-Custom", "kept"));
        var status = await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None);

        Assert.Equal(200, status);
        var answer = Answer(context);
        Assert.Equal([Caller], answer.GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("/search", answer.GetProperty("path").GetString());
        Assert.Equal("?q=1&index=docs", answer.GetProperty("query").GetString());
        Assert.Equal("kept", answer.GetProperty("custom").GetString());
        Assert.Equal("yes", context.Response.Headers["X-Upstream"].ToString());
        Assert.False(context.Response.Headers.ContainsKey("X-Workload-Spiffe-Id"));
    }

    [Theory]
    [InlineData("X_Workload_Spiffe_Id")]
    [InlineData("x_workload-spiffe_id")]
    [InlineData("X-WORKLOAD_SPIFFE-ID")]
    public async Task Forward_RemovesCallerHeaderSpellingsWithUnderscores(string forgedName)
    {
        using var forwarder = Forwarder();
        var context = Request("GET", "/search", string.Empty, (forgedName, "spiffe://example.org/admin"));
        await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None);

        var headers = Headers(Answer(context));
        Assert.Equal([UpstreamForwarder.CallerHeader], headers.Keys.Where(k => k.Replace('_', '-').Equals(UpstreamForwarder.CallerHeader, StringComparison.OrdinalIgnoreCase)));
        Assert.Equal([Caller], headers[UpstreamForwarder.CallerHeader]);
    }

    [Theory]
    [InlineData("X_Workload_Spiffe_Id")]
    [InlineData("x_workload-spiffe_id")]
    public void RefusedHeader_CallerHeaderWithUnderscores_NamesIt(string name)
    {
        var context = Request("GET", "/search", string.Empty, ("X-Custom", "kept"), (name, "spiffe://example.org/admin"));
        Assert.Equal($"header '{name}' is refused: servers that read '_' as '-' take it for X-Workload-Spiffe-Id", UpstreamForwarder.RefusedHeader(context.Request.Headers));
    }

    [Fact]
    public void RefusedHeader_OrdinaryHeaders_AreNone()
    {
        var context = Request("GET", "/search", string.Empty, ("X-Workload-Spiffe-Id", "spiffe://example.org/admin"), ("X_Custom", "kept"), ("X_Forwarded_For", "203.0.113.9"));
        Assert.Null(UpstreamForwarder.RefusedHeader(context.Request.Headers));
    }

    [Fact]
    public async Task Forward_ForwardedHeadersFromTheCaller_AreReplacedByTheGatewaysOwn()
    {
        using var forwarder = Forwarder();
        var context = Request(
            "GET",
            "/search",
            string.Empty,
            ("X-Forwarded-For", "203.0.113.9"),
            ("x-forwarded-for", "198.51.100.7"),
            ("X_Forwarded_For", "203.0.113.9"),
            ("X-Forwarded-Proto", "http"),
            ("X-Forwarded-Host", "evil.example"),
            ("Forwarded", "for=203.0.113.9;host=evil.example"),
            ("Proxy", "http://evil.example:3128"));
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.10");
        context.Request.Host = new HostString("gateway.example.org:9443");
        await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None);

        var headers = Headers(Answer(context));
        Assert.Equal(["192.0.2.10"], headers["X-Forwarded-For"]);
        Assert.Equal(["https"], headers["X-Forwarded-Proto"]);
        Assert.Equal(["gateway.example.org:9443"], headers["X-Forwarded-Host"]);
        Assert.DoesNotContain("X_Forwarded_For", headers.Keys);
        Assert.DoesNotContain("Forwarded", headers.Keys);
        Assert.DoesNotContain("Proxy", headers.Keys);
    }

    [Fact]
    public async Task Forward_CallersAuthorization_IsDroppedByDefault()
    {
        using var forwarder = Forwarder();
        var context = Request("GET", "/search", string.Empty, ("Authorization", "Bearer caller-token"), ("X-Custom", "kept"));
        await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None);

        var headers = Headers(Answer(context));
        Assert.DoesNotContain("Authorization", headers.Keys);
        Assert.Equal(["kept"], headers["X-Custom"]);
    }

    [Fact]
    public async Task Forward_WithForwardAuthorization_PassesTheCallersAuthorizationOn()
    {
        using var forwarder = Forwarder(forwardAuthorization: true);
        var context = Request("GET", "/search", string.Empty, ("Authorization", "Bearer caller-token"));
        await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None);

        Assert.Equal(["Bearer caller-token"], Headers(Answer(context))["Authorization"]);
    }

    [Theory]
    [InlineData("/files/public/a.txt", "")]
    [InlineData("/files/public/a%20b.txt", "?v=1%2B1&w=%2F")]
    [InlineData("/files/public/%41.txt", "")]
    public async Task Forward_SendsTheRequestTargetAsTheCallerSentIt(string path, string query)
    {
        using var forwarder = Forwarder();
        var context = Request("GET", path, query);
        await forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None);

        Assert.Equal(path + query, Answer(context).GetProperty("rawTarget").GetString());
    }

    [Fact]
    public async Task Forward_UncheckedDotSegment_IsNeverSent()
    {
        using var forwarder = Forwarder();
        var context = Request("GET", "/files/public/%252e%252e/secret", string.Empty);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => forwarder.ForwardAsync(context, Caller, null, null, CancellationToken.None));
        Assert.Contains("'%252e%252e' is a dot segment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_BufferedBody_AndRewrite_SendsTheRewrittenAnswerWithItsLength()
    {
        using var forwarder = Forwarder();
        var context = Request("POST", "/mcp", string.Empty, ("Content-Type", "application/json"));
        var body = new MemoryStream(Encoding.UTF8.GetBytes("""{"hello":1}"""));
        context.Request.ContentLength = body.Length;
        await forwarder.ForwardAsync(context, Caller, body, (text, media) => text.Replace("hello", "bye", StringComparison.Ordinal) + media, CancellationToken.None);

        context.Response.Body.Position = 0;
        var text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.EndsWith("application/json", text, StringComparison.Ordinal);
        var answer = JsonDocument.Parse(text[..^"application/json".Length]).RootElement;
        Assert.Equal("""{"bye":1}""", answer.GetProperty("body").GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount(text), context.Response.ContentLength);
    }

    [Fact]
    public async Task Forward_UpstreamDown_Throws()
    {
        using var forwarder = new UpstreamForwarder(
            new UpstreamOptions { Address = $"http://127.0.0.1:{FreePort.Next()}" },
            new StaticWorkloadIdentitySource(new TestIdentity().With()),
            TimeProvider.System);
        await Assert.ThrowsAsync<HttpRequestException>(() => forwarder.ForwardAsync(Request("GET", "/", string.Empty), Caller, null, null, CancellationToken.None));
    }
}
