using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Issuer.Tests.Api;

public sealed class BundleEndpointTests : IClassFixture<IssuerHostFixture>
{
    private readonly IssuerHostFixture _host;

    public BundleEndpointTests(IssuerHostFixture host) => _host = host;

    private HttpClient Https(Action<X509Certificate2?>? seen = null) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            // https_spiffe: the server must present an X509-SVID for the issuer's ID; checked below.
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen?.Invoke(certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                return true;
            },
        },
    })
    { BaseAddress = new Uri($"https://127.0.0.1:{_host.BundlePort}/") };

    [Fact]
    public async Task Get_ReturnsTheSpiffeBundleAsJson()
    {
        using var http = Https();

        var response = await http.GetAsync(new Uri("/", UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();
        var bundle = SpiffeBundle.Parse(TrustDomain.Parse("example.org"), body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.NotEmpty(bundle.X509Authorities);
        Assert.NotEmpty(bundle.JwtAuthorities);
        Assert.True(bundle.Sequence >= 1);
        Assert.Equal(TimeSpan.FromMinutes(5), bundle.RefreshHint);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task OtherMethods_Get405(string method)
    {
        using var http = Https();

        var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Tls_ServerPresentsTheIssuersOwnSvidChainingToTheBundle()
    {
        X509Certificate2? presented = null;
        using var http = Https(c => presented = c);

        var body = await http.GetByteArrayAsync(new Uri("/", UriKind.Relative));
        var bundle = SpiffeBundle.Parse(TrustDomain.Parse("example.org"), body);

        Assert.NotNull(presented);
        var result = X509SvidValidator.Validate([presented], new X509BundleSet([bundle.ToX509Bundle()]), DateTimeOffset.UtcNow);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal("spiffe://example.org/identity-issuer/server", result.Id!.ToString());
    }

    [Fact]
    public async Task Sequence_GrowsWhenTheBundleChanges()
    {
        using var http = Https();
        var before = SpiffeBundle.Parse(TrustDomain.Parse("example.org"), await http.GetByteArrayAsync(new Uri("/", UriKind.Relative))).Sequence;
        var store = _host.App.Services.GetService(typeof(IdentityIssuer.Issuer.Datastore.IDataStore)) as IdentityIssuer.Issuer.Datastore.IDataStore;
        using var extra = IdentityIssuer.Tests.Common.Certificates.TestCertificates.CreateRootCa("spiffe://example.org");

        await store!.AppendBundleAsync("example.org", true, [extra.RawData], [], CancellationToken.None);
        var after = SpiffeBundle.Parse(TrustDomain.Parse("example.org"), await http.GetByteArrayAsync(new Uri("/", UriKind.Relative))).Sequence;

        Assert.Equal(before + 1, after);
        await store.RemoveFromBundleAsync("example.org", [extra.RawData], [], CancellationToken.None);
    }

    [Fact]
    public async Task Ops_LiveAndReadyAnswerOnLoopback()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_host.OpsPort}/") };

        var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
        var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ops_DoesNotServeTheAdminApi()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_host.OpsPort}/") };

        var response = await http.GetAsync(new Uri("/v1/entries", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
