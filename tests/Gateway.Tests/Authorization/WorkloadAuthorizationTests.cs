using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Gateway.Authorization;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Policy;
using IdentityIssuer.Gateway.Tests.Identity;
using IdentityIssuer.Tests.Common.Certificates;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Tests.Authorization;

/// <summary>
/// The library as a tool API uses it: a real Kestrel listener with UseWorkloadMtls, UseWorkloadCaller
/// and RequireToolCapability, called over mTLS by clients with and without SVIDs.
/// </summary>
public sealed class WorkloadAuthorizationTests : IAsyncLifetime
{
    private readonly TestIdentity _td = new();
    private readonly string _directory = FreePort.ShortTempDirectory();
    private readonly int _port = FreePort.Next();
    private StaticWorkloadIdentitySource? _identity;
    private WebApplication? _app;

    public async Task InitializeAsync()
    {
        var policy = Path.Combine(_directory, "policy.json");
        await File.WriteAllTextAsync(policy, """
            { "tools": { "search": { "risk": "read" }, "deploy": { "risk": "high-risk" } },
              "rules": [ { "name": "agents", "spiffeId": "spiffe://example.org/agents/*", "tools": ["*"], "actions": ["**"], "targets": ["docs"] } ] }
            """);
        _identity = new StaticWorkloadIdentitySource(_td.With());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IWorkloadIdentitySource>(_identity);
        builder.Services.AddWorkloadAuthorization(policy);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _port, listen => listen.UseWorkloadMtls(_identity)));
        _app = builder.Build();
        _app.UseWorkloadCaller();
        _app.MapGet("/search", (HttpContext c) => Results.Ok(new { caller = c.GetWorkloadCaller()!.Id.ToString(), serial = c.GetWorkloadCaller()!.Serial }))
            .RequireToolCapability("search:query", c => c.Request.Query["index"]);
        _app.MapPost("/deploy", () => Results.Ok()).RequireToolCapability("deploy:run", _ => "docs");
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private HttpClient Client(X509Certificate2? certificate, List<X509Certificate2>? served = null) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = certificate is null ? null : (_, _, _, _, _) => certificate,
            RemoteCertificateValidationCallback = (_, c, _, _) =>
            {
                served?.Add(X509CertificateLoader.LoadCertificate(c!.GetRawCertData()));
                return true;
            },
        },
    })
    { BaseAddress = new Uri($"https://127.0.0.1:{_port}/") };

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PolicyFileWithAnUnknownExtension_StopsTheToolApiAtStart_NamingTheFileAndTheAcceptedExtensions()
    {
        var policy = Path.Combine(_directory, "policy.toml");
        await File.WriteAllTextAsync(policy, "tools = {}");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IWorkloadIdentitySource>(_identity!);
        builder.Services.AddWorkloadAuthorization(policy);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, FreePort.Next()));
        await using var app = builder.Build();
        var ex = await Assert.ThrowsAsync<ToolPolicyException>(() => app.StartAsync());
        Assert.Contains(policy, ex.Message, StringComparison.Ordinal);
        Assert.Contains("the extension '.toml' names no policy format; use .yaml, .yml or .json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowedCaller_ReachesTheEndpoint_WhichSeesItsIdAndSerial()
    {
        var leaf = _td.Leaf("/agents/a");
        using var client = Client(leaf);
        var (status, body) = await GetAsync(client, "search?index=docs");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($$"""{"caller":"spiffe://example.org/agents/a","serial":"{{leaf.SerialNumber.ToLowerInvariant()}}"}""", body);
    }

    [Fact]
    public async Task DeniedTarget_Is403WithTheGatewaysBody()
    {
        using var client = Client(_td.Leaf("/agents/a"));
        var (status, body) = await GetAsync(client, "search?index=hr");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("""{"error":"access denied","workload":"spiffe://example.org/agents/a","required":"search:query","target":"hr"}""", body);
    }

    [Fact]
    public async Task HighRiskTool_IsRefusedByTheLibrary_EvenWhenAllowed()
    {
        using var client = Client(_td.Leaf("/agents/a"));
        using var response = await client.PostAsync(new Uri("deploy", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task NoCertificate_Is401Missing()
    {
        using var client = Client(null);
        Assert.Equal((HttpStatusCode.Unauthorized, """{"error":"missing workload identity"}"""), await GetAsync(client, "search?index=docs"));
    }

    [Fact]
    public async Task OtherTrustDomain_Is401Invalid()
    {
        var other = new TestIdentity("other.org");
        using var client = Client(TestCertificates.CreateLeaf(other.Ca, "spiffe://other.org/agents/a"));
        Assert.Equal((HttpStatusCode.Unauthorized, """{"error":"invalid workload identity"}"""), await GetAsync(client, "search?index=docs"));
    }

    [Fact]
    public async Task NewIdentity_IsServedToNewConnections_AndItsCrlsApplyToOpenOnes()
    {
        var leaf = _td.Leaf("/agents/a");
        var served = new List<X509Certificate2>();
        using var client = Client(leaf, served);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "search?index=docs")).Status);

        // A Workload API update: a new server SVID and a CRL revoking the caller.
        var rotated = _td.Leaf("/gateway");
        _identity!.Set(new WorkloadIdentity(rotated, [], _td.Bundles, RevocationSet.Parse([TestIdentity.Crl(_td.Ca, leaf)])));
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, "search?index=docs")).Status);

        using var fresh = Client(_td.Leaf("/agents/b"), served);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(fresh, "search?index=docs")).Status);
        Assert.Equal([_td.Server.SerialNumber, rotated.SerialNumber], served.Select(c => c.SerialNumber));
    }

    [Fact]
    public async Task StaleCrl_RefusesEveryCallerOfItsCa_UntilAFreshOneArrives()
    {
        var now = DateTimeOffset.UtcNow;
        using var client = Client(_td.Leaf("/agents/a"));
        _identity!.Set(_td.With(TestIdentity.Crl(_td.Ca, now.AddDays(-2), now.AddDays(-1))));
        Assert.Equal((HttpStatusCode.Unauthorized, """{"error":"invalid workload identity"}"""), await GetAsync(client, "search?index=docs"));

        _identity.Set(_td.With(TestIdentity.Crl(_td.Ca, now, now.AddDays(1))));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "search?index=docs")).Status);
    }
}
