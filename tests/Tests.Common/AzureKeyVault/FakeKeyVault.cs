using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityIssuer.Tests.Common.Certificates;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Tests.Common.AzureKeyVault;

/// <summary>
/// A local stand-in for Azure Key Vault and its Microsoft Entra token endpoint, over HTTPS on
/// <c>localhost</c> (a test CA signs its certificate). It honours the part of the keys REST API
/// the issuer uses (create, get, list with nextLink paging, update, sign, delete, purge) with real
/// .NET keys, answers token-less requests with Key Vault's 401 Bearer challenge, accepts only the
/// tokens its own token endpoint issued (OAuth2 client credentials for <see cref="ClientId"/> and
/// <see cref="ClientSecret"/>), and can be told to refuse (403), throttle (429), fail (5xx) or slow down.
/// </summary>
public sealed partial class FakeKeyVault : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _serverCertificate;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _unhandled = new();
    private int _throttleNext;
    private int _failNext;
    private int _challenges;
    private int _tokensIssued;
    private int _vaultRequests;

    private FakeKeyVault(int port)
    {
        Port = port;
        _ca = TestCertificates.CreateRootCa(spiffeId: null);
        _serverCertificate = TestCertificates.CreateLeaf(_ca, spiffeId: null, spec =>
        {
            spec.Subject = "CN=localhost";
            spec.DnsNames.Add("localhost");
            spec.ExtendedKeyUsages.Remove(TestCertificates.ClientAuthOid);
        });
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port, listen => listen.UseHttps(_serverCertificate)));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    /// <summary>The vault's URI, e.g. <c>https://localhost:20123/</c>.</summary>
    public Uri VaultUri => new($"https://localhost:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>The authority host serving <c>/{tenant}/oauth2/v2.0/token</c> (the same server).</summary>
    public Uri AuthorityHost => VaultUri;

    /// <summary>The port on localhost.</summary>
    public int Port { get; }

    /// <summary>The tenant the token endpoint and the challenge name.</summary>
    public string TenantId { get; } = Guid.NewGuid().ToString();

    /// <summary>The one client the token endpoint knows.</summary>
    public string ClientId { get; } = Guid.NewGuid().ToString();

    /// <summary>That client's secret (random per fake, so a test can grep logs for it).</summary>
    public string ClientSecret { get; } = "fake-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The resource the challenge names; tokens are issued for <c>{resource}/.default</c>.</summary>
    public string Resource { get; set; } = "https://localhost";

    /// <summary>Send the newer <c>scope="..."</c> challenge instead of <c>resource="..."</c>.</summary>
    public bool ChallengeWithScope { get; set; }

    /// <summary>Refuse every authenticated key request with 403 Forbidden (no access to the vault).</summary>
    public bool Forbidden { get; set; }

    /// <summary>Added before answering each vault request.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Keys listed per page (so paging is exercised).</summary>
    public int PageSize { get; set; } = 2;

    /// <summary>The CA that signed the server certificate.</summary>
    public X509Certificate2 CaCertificate => _ca;

    /// <summary>The CA as PEM, e.g. for a child process's <c>SSL_CERT_FILE</c>.</summary>
    public string CaCertificatePem => _ca.ExportCertificatePem();

    /// <summary>How many 401 challenges were sent.</summary>
    public int Challenges => Volatile.Read(ref _challenges);

    /// <summary>How many tokens the token endpoint issued.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>How many key requests (authenticated or not) arrived.</summary>
    public int VaultRequests => Volatile.Read(ref _vaultRequests);

    /// <summary>Requests the fake does not know (method and path), for diagnosing a client.</summary>
    public IReadOnlyCollection<string> UnhandledRequests => [.. _unhandled];

    /// <summary>Starts a fake on a free port.</summary>
    public static async Task<FakeKeyVault> StartAsync()
    {
        var vault = new FakeKeyVault(FreePort.Next());
        await vault._app.StartAsync();
        return vault;
    }

    /// <summary>The next <paramref name="count"/> key requests get 429 Too Many Requests.</summary>
    public void ThrottleNext(int count) => Volatile.Write(ref _throttleNext, count);

    /// <summary>The next <paramref name="count"/> key requests get 503 Service Unavailable.</summary>
    public void FailNext(int count) => Volatile.Write(ref _failNext, count);

    /// <summary>A handler that trusts this fake's certificate (and checks the host name), for an in-process client.</summary>
    public HttpMessageHandler CreateTrustingHandler()
    {
        var ca = X509CertificateLoader.LoadCertificate(_ca.RawData);
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        lock (_gate)
        {
            foreach (var key in _keys.Values.Concat(_deleted.Values))
            {
                key.Dispose();
            }

            _keys.Clear();
            _deleted.Clear();
        }

        _serverCertificate.Dispose();
        _ca.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length >= 1 && segments[0] is "keys" or "deletedkeys")
        {
            Interlocked.Increment(ref _vaultRequests);
            await HandleVaultAsync(context, segments);
            return;
        }

        if (segments.Length == 4 && segments[1] == "oauth2" && segments[2] == "v2.0" && segments[3] == "token" && HttpMethods.IsPost(context.Request.Method))
        {
            await HandleTokenAsync(context, segments[0]);
            return;
        }

        if (segments.Length == 4 && segments[1] == "v2.0" && segments[2] == ".well-known" && segments[3] == "openid-configuration")
        {
            await OpenIdConfigurationAsync(context, segments[0]);
            return;
        }

        _unhandled.Enqueue($"{context.Request.Method} {path}{context.Request.QueryString}");
        await WriteAsync(context, HttpStatusCode.NotFound, Error("NotFound", $"the fake has no {path}"));
    }

    private async Task HandleVaultAsync(HttpContext context, string[] segments)
    {
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, context.RequestAborted);
        }

        if (TakeOne(ref _throttleNext))
        {
            context.Response.Headers.RetryAfter = "0";
            await WriteAsync(context, HttpStatusCode.TooManyRequests, Error("Throttled", "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"));
            return;
        }

        if (TakeOne(ref _failNext))
        {
            await WriteAsync(context, HttpStatusCode.ServiceUnavailable, Error("ServiceUnavailable", "The service is temporarily unavailable."));
            return;
        }

        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            await WriteAsync(context, HttpStatusCode.BadRequest, Error("BadParameter", "The 'api-version' query parameter is missing."));
            return;
        }

        if (!IsAuthorized(context))
        {
            Interlocked.Increment(ref _challenges);
            var authority = $"{AuthorityHost.AbsoluteUri}{TenantId}";
            context.Response.Headers.WWWAuthenticate = ChallengeWithScope
                ? $"Bearer authorization=\"{authority}\", scope=\"{Resource}/.default\""
                : $"Bearer authorization=\"{authority}\", resource=\"{Resource}\"";
            await WriteAsync(context, HttpStatusCode.Unauthorized, Error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."));
            return;
        }

        if (Forbidden)
        {
            await WriteAsync(context, HttpStatusCode.Forbidden, Error(
                "Forbidden",
                $"Caller is not authorized to perform action on resource. Caller: appid={ClientId}. Action: 'Microsoft.KeyVault/vaults/keys/read'",
                "ForbiddenByRbac"));
            return;
        }

        var (status, body) = await HandleKeysAsync(context, segments);
        await WriteAsync(context, status, body);
    }

    private bool IsAuthorized(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        return header.StartsWith(Bearer, StringComparison.Ordinal)
            && _tokens.TryGetValue(header[Bearer.Length..], out var expires)
            && expires > DateTimeOffset.UtcNow;
    }

    private static bool TakeOne(ref int counter)
    {
        while (true)
        {
            var current = Volatile.Read(ref counter);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, current - 1, current) == current)
            {
                return true;
            }
        }
    }

    private static JsonObject Error(string code, string message, string? innerCode = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (innerCode is not null)
        {
            error["innererror"] = new JsonObject { ["code"] = innerCode };
        }

        return new JsonObject { ["error"] = error };
    }

    private static async Task WriteAsync(HttpContext context, HttpStatusCode status, JsonNode? body)
    {
        context.Response.StatusCode = (int)status;
        if (body is null)
        {
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8, context.RequestAborted);
    }

    private static async Task<JsonObject?> ReadJsonAsync(HttpContext context)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<JsonObject>(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
