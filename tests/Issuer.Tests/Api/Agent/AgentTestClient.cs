using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Issuer.Api.Admin;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Tests.Support;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.X509;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Api.Agent;

/// <summary>Talks to the in-process issuer's agent API over real TLS, as an agent would.</summary>
internal sealed class AgentTestClient
{
    public static readonly TrustDomain TrustDomain = TrustDomain.Parse("example.org");

    private readonly IssuerHostFixture _host;

    public AgentTestClient(IssuerHostFixture host) => _host = host;

    public IDataStore Store => _host.App.Services.GetRequiredService<IDataStore>();

    /// <summary>
    /// An HTTPS client that checks the server presents the issuer's SVID and offers <paramref name="clientCertificate"/>;
    /// its connections come from <paramref name="from"/> (a loopback address such as 127.0.0.5) when given.
    /// </summary>
    public HttpClient Http(X509Certificate2? clientCertificate = null, IPAddress? from = null)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && X509SvidValidator.Validate(
                    [X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())],
                    new X509BundleSet([OwnBundle().ToX509Bundle()]),
                    DateTimeOffset.UtcNow) is { IsValid: true } result
                && result.Id!.ToString() == "spiffe://example.org/identity-issuer/server",
        };
        if (clientCertificate is not null)
        {
            ssl.ClientCertificates = [clientCertificate];
        }

        var handler = new SocketsHttpHandler { SslOptions = ssl };
        if (from is not null)
        {
            handler.ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{_host.AgentPort}") };
    }

    public SpiffeBundle OwnBundle()
    {
        var bundles = _host.App.Services.GetRequiredService<IdentityIssuer.Issuer.Ca.TrustBundleService>();
        return bundles.GetOwnBundleAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Stores a join token and returns it.</summary>
    public async Task<string> NewJoinTokenAsync(TimeSpan? ttl = null)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var now = DateTimeOffset.UtcNow;
        await Store.CreateJoinTokenAsync(new JoinToken(JoinTokens.Hash(token), now + (ttl ?? TimeSpan.FromMinutes(5)), now), CancellationToken.None);
        return token;
    }

    public async Task<HttpResponseMessage> AttestAsync(string type, JsonElement payload, byte[] csr)
    {
        using var http = Http();
        return await http.PostAsJsonAsync(AgentApiPaths.Attest, new AttestRequest(type, payload, Convert.ToBase64String(csr)));
    }

    /// <summary>Attests with a fresh join token; returns the agent with its SVID and key.</summary>
    public async Task<TestAgent> AttestWithJoinTokenAsync()
    {
        var token = await NewJoinTokenAsync();
        var payload = await new JoinTokenAttestorClient(token).BuildPayloadAsync(null, CancellationToken.None);
        return await AttestOkAsync(JoinTokenAttestor.AttestorName, payload);
    }

    /// <summary>Attests with x509pop using <paramref name="nodeCertificate"/> (with key) through the agent half.</summary>
    public async Task<TestAgent> AttestWithX509PopAsync(X509Certificate2 nodeCertificate)
    {
        var directory = Path.Combine(_host.Directory, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var certFile = Path.Combine(directory, "node.pem");
        var keyFile = Path.Combine(directory, "node.key");
        await File.WriteAllTextAsync(certFile, nodeCertificate.ExportCertificatePem());
        using (var key = nodeCertificate.GetECDsaPrivateKey()!)
        {
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        }

        var client = new X509PopAttestorClient(certFile, keyFile);
        var payload = await client.BuildPayloadAsync(await ChallengeAsync(), CancellationToken.None);
        return await AttestOkAsync(X509PopAttestor.AttestorName, payload);
    }

    public async Task<ChallengeResponse> ChallengeAsync()
    {
        using var http = Http();
        var response = await http.PostAsJsonAsync(AgentApiPaths.Challenge, new ChallengeRequest(X509PopAttestor.AttestorName));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ChallengeResponse>())!;
    }

    public async Task<TestAgent> AttestOkAsync(string type, JsonElement payload)
    {
        var (csr, key) = Csr.Create();
        var response = await AttestAsync(type, payload, csr);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var attested = JsonSerializer.Deserialize<AttestResponse>(body, JsonSerializerOptions.Web)!;
        return new TestAgent(attested, WithKey(attested.SvidChain[0], key));
    }

    public static X509Certificate2 WithKey(string leafBase64, ECDsa key)
    {
        using var leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(leafBase64));
        return leaf.CopyWithPrivateKey(key);
    }

    /// <summary>Creates an entry directly in the store.</summary>
    public Task<RegistrationEntry> CreateEntryAsync(string spiffeId, string parentId, params string[] selectors) =>
        Store.CreateEntryAsync(
            new RegistrationEntry
            {
                SpiffeId = spiffeId,
                ParentId = parentId,
                Selectors = [.. selectors.Select(Attestation.Selectors.Selector.Parse)],
                DnsNames = ["svc.example.org"],
                X509SvidTtlSeconds = 600,
                JwtSvidTtlSeconds = 300,
            },
            CancellationToken.None);

    public static string NewId(string what) => $"spiffe://example.org/test/{Guid.NewGuid():N}/{what}";
}

/// <summary>An attested agent: the attestation answer and its SVID with the key.</summary>
internal sealed record TestAgent(AttestResponse Attested, X509Certificate2 Svid)
{
    public string Id => Attested.AgentId;
}
