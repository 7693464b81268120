using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Mapping;
using IdentityIssuer.Spiffe;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace IdentityIssuer.Gateway.Forwarding;

/// <summary>
/// Forwards an allowed request to the upstream as it came (method, the raw request target that
/// <see cref="RequestTarget"/> checked, headers, streamed body) except: hop-by-hop headers are
/// dropped; any inbound <see cref="CallerHeader"/>, <c>X-Forwarded-For/Proto/Host</c>,
/// <c>Forwarded</c> or <c>Proxy</c> (in any case, with <c>_</c> or <c>-</c>) is removed, and the gateway
/// sets the validated ID and the <c>X-Forwarded-For/Proto/Host</c> it saw; the caller's
/// <c>Authorization</c> is dropped unless <c>Upstream:ForwardAuthorization</c> (no token passthrough).
/// With an https upstream the upstream must present an SVID of a known trust domain (and
/// <c>Upstream:SpiffeId</c> when set); with <c>Upstream:PresentSvid</c> the gateway presents its own
/// current SVID.
/// </summary>
internal sealed class UpstreamForwarder : IDisposable
{
    /// <summary>The header that tells the upstream who called.</summary>
    public const string CallerHeader = "X-Workload-Spiffe-Id";

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", CallerHeader,
    };

    /// <summary>
    /// Inbound headers that never reach the upstream in any spelling (case, <c>_</c> for <c>-</c>): what
    /// the gateway sets itself (who called, from where, how) and <c>Proxy</c>, which CGI-style servers
    /// turn into <c>HTTP_PROXY</c> (httpoxy).
    /// </summary>
    private static readonly HashSet<string> SetByTheGateway = new(StringComparer.OrdinalIgnoreCase)
    {
        CallerHeader, "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded", "Proxy",
    };

    private readonly HttpMessageInvoker _invoker;
    private readonly string _upstream;
    private readonly bool _forwardAuthorization;

    public UpstreamForwarder(UpstreamOptions options, IWorkloadIdentitySource identities, TimeProvider time)
    {
        _upstream = new Uri(options.Address).GetLeftPart(UriPartial.Path).TrimEnd('/');
        _forwardAuthorization = options.ForwardAuthorization;
        var expected = options.SpiffeId.Length > 0 ? SpiffeId.Parse(options.SpiffeId) : null;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            // New connections pick up a rotated SVID (ours and the upstream's).
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                LocalCertificateSelectionCallback = options.PresentSvid ? (_, _, _, _, _) => identities.Current.Certificate : null,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    if (certificate is not X509Certificate2 leaf)
                    {
                        return false;
                    }

                    var intermediates = chain?.ChainPolicy.ExtraStore.Where(c => !c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)).ToArray() ?? [];
                    var result = CallerValidator.Validate(leaf, intermediates, identities.Current, time.GetUtcNow());
                    return result.IsValid && (expected is null || result.Id!.Equals(expected));
                },
            },
        };
        _invoker = new HttpMessageInvoker(handler);
        Timeout = options.Timeout;
    }

    public TimeSpan Timeout { get; }

    /// <summary>
    /// Null, or why the request is refused: a header that CGI-style servers (WSGI, PHP, Rack, nginx)
    /// read as <see cref="CallerHeader"/> because they map <c>_</c> to <c>-</c>.
    /// </summary>
    public static string? RefusedHeader(IHeaderDictionary headers)
    {
        foreach (var name in headers.Keys)
        {
            if (name.Contains('_', StringComparison.Ordinal) && IsCallerHeader(name))
            {
                return $"header '{name}' is refused: servers that read '_' as '-' take it for {CallerHeader}";
            }
        }

        return null;
    }

    /// <summary>
    /// Sends the request upstream and copies the answer back. With <paramref name="rewrite"/> the body
    /// is read whole, rewritten and sent with its new length. Returns the upstream status.
    /// </summary>
    /// <exception cref="HttpRequestException">The upstream could not be reached.</exception>
    public async Task<int> ForwardAsync(HttpContext context, string callerId, Stream? body, Func<string, string, string>? rewrite, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!RequestTarget.TryRead(context, out var pathAndQuery, out var error))
        {
            throw new InvalidOperationException("the request target must be checked before it is forwarded: " + error);
        }

        // The raw target, not a Uri built from the decoded path: System.Uri would decode and drop dot
        // segments again, and the upstream would get another path than the one authorized.
        var target = new Uri(_upstream + pathAndQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrHigher };
        var hasBody = body is not null || request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody)
        {
            message.Content = new StreamContent(body ?? request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            var normalized = Normalized(name);
            if (HopByHop.Contains(normalized) || SetByTheGateway.Contains(normalized) || name.StartsWith(':')
                || (!_forwardAuthorization && normalized.Equals("Authorization", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        if (rewrite is not null)
        {
            // The answer is rewritten as text: ask for it uncompressed.
            message.Headers.AcceptEncoding.Clear();
        }

        // Replacing, never appending to, whatever the caller claimed (dropped above).
        message.Headers.TryAddWithoutValidation(CallerHeader, callerId);
        if (context.Connection.RemoteIpAddress is { } peer)
        {
            message.Headers.TryAddWithoutValidation("X-Forwarded-For", peer.ToString());
        }

        message.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        if (request.Host.HasValue)
        {
            message.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var response = await _invoker.SendAsync(message, timeout.Token);
        var outgoing = context.Response;
        outgoing.StatusCode = (int)response.StatusCode;
        CopyHeaders(response.Headers, outgoing);
        CopyHeaders(response.Content.Headers, outgoing);
        if (rewrite is null)
        {
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            await stream.CopyToAsync(outgoing.Body, timeout.Token);
            return (int)response.StatusCode;
        }

        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        var rewritten = System.Text.Encoding.UTF8.GetBytes(rewrite(text, response.Content.Headers.ContentType?.MediaType ?? string.Empty));
        outgoing.ContentLength = rewritten.Length;
        await outgoing.Body.WriteAsync(rewritten, timeout.Token);
        return (int)response.StatusCode;
    }

    public void Dispose() => _invoker.Dispose();

    private static bool IsCallerHeader(string name) => Normalized(name).Equals(CallerHeader, StringComparison.OrdinalIgnoreCase);

    /// <summary>The name as CGI-style servers see it: <c>_</c> and <c>-</c> are the same.</summary>
    private static string Normalized(string name) => name.Replace('_', '-');

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeaders headers, HttpResponse outgoing)
    {
        foreach (var (name, values) in headers)
        {
            if (!HopByHop.Contains(name))
            {
                outgoing.Headers[name] = values.ToArray();
            }
        }
    }
}
