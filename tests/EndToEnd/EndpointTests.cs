using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>The network listeners a running issuer exposes: the HTTPS bundle endpoint and the ops health port.</summary>
public sealed class EndpointTests : IssuerTest, IClassFixture<IssuerProcess>
{
    public EndpointTests(IssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task Healthcheck_WhileTheIssuerRuns_ExitsZero()
    {
        var result = (await CliAsync("healthcheck")).ShouldSucceed();

        Assert.Contains("example.org", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BundleEndpoint_Get_ServesTheSpiffeBundleOverTlsWithTheIssuersServerSvid()
    {
        X509Certificate2? served = null;
        using var handler = new HttpClientHandler
        {
            // The endpoint presents the issuer's own SVID, chained to the bundle it serves (https_spiffe).
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                served = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.RawData);
                return true;
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.GetAsync(new Uri($"https://127.0.0.1:{Issuer.BundlePort}/"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var bundle = JsonDocument.Parse(body);
        Assert.True(bundle.RootElement.TryGetProperty("spiffe_sequence", out _), body);
        using var fromCli = ParseJson((await CliAsync("bundle", "show", "--format", "spiffe")).ShouldSucceed());
        Assert.Equal(fromCli.RootElement.GetProperty("keys").GetRawText(), bundle.RootElement.GetProperty("keys").GetRawText());

        Assert.NotNull(served);
        var certificateFile = Path.Combine(Issuer.Directory, "server-svid.pem");
        var bundleFile = Path.Combine(Issuer.Directory, "endpoint-bundle.pem");
        await File.WriteAllTextAsync(certificateFile, served.ExportCertificatePem());
        await File.WriteAllTextAsync(bundleFile, (await CliAsync("bundle", "show", "--format", "pem")).ShouldSucceed().StdOut);
        (await OpenSslAsync("verify", "-CAfile", bundleFile, certificateFile)).ShouldSucceed();
        var san = Assert.Single(CertificateText.Extensions((await OpenSslAsync("x509", "-in", certificateFile, "-noout", "-text")).ShouldSucceed().StdOut), e => e.Name == "X509v3 Subject Alternative Name");
        Assert.Contains("URI:" + ServerId, CertificateText.Items(san));
    }

    [Fact]
    public async Task BundleEndpoint_Post_Answers405()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var content = new StringContent("{}");

        using var response = await http.PostAsync(new Uri($"https://127.0.0.1:{Issuer.BundlePort}/"), content);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/health/live")]
    public async Task OpsPort_Health_Answers200(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{Issuer.OpsPort}{path}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
