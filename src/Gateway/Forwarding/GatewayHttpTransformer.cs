using System.Text;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace IdentityIssuer.Gateway.Forwarding;

/// <summary>
/// The gateway's header rules on one forwarded request, on top of YARP's copy of everything else:
/// hop-by-hop headers are dropped; any inbound <see cref="UpstreamForwarder.CallerHeader"/>,
/// <c>X-Forwarded-For/Proto/Host</c>, <c>Forwarded</c> or <c>Proxy</c> (in any case, with <c>_</c> or
/// <c>-</c>) is removed and the gateway sets the validated ID and the <c>X-Forwarded-For/Proto/Host</c>
/// it saw; the caller's <c>Authorization</c> is dropped unless <c>Upstream:ForwardAuthorization</c>
/// (no token passthrough). The request target is the raw one that was authorized.
/// </summary>
internal sealed class GatewayHttpTransformer(
    Uri target,
    string callerId,
    Func<string, string, string>? rewrite,
    bool forwardAuthorization,
    CancellationTokenSource answerTimeout) : HttpTransformer
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    /// <summary>
    /// Inbound headers that never reach the upstream in any spelling (case, <c>_</c> for <c>-</c>): what
    /// the gateway sets itself (who called, from where, how) and <c>Proxy</c>, which CGI-style servers
    /// turn into <c>HTTP_PROXY</c> (httpoxy).
    /// </summary>
    private static readonly HashSet<string> SetByTheGateway = new(StringComparer.OrdinalIgnoreCase)
    {
        UpstreamForwarder.CallerHeader, "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded", "Proxy",
    };

    /// <summary>The name as CGI-style servers see it: <c>_</c> and <c>-</c> are the same.</summary>
    public static string Normalized(string name) => name.Replace('_', '-');

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        RemoveRefused(proxyRequest.Headers);
        if (proxyRequest.Content is not null)
        {
            RemoveRefused(proxyRequest.Content.Headers);
        }

        proxyRequest.RequestUri = target;
        if (rewrite is not null)
        {
            // The answer is rewritten as text: ask for it uncompressed.
            proxyRequest.Headers.AcceptEncoding.Clear();
        }

        // Replacing, never appending to, whatever the caller claimed (removed above).
        var request = httpContext.Request;
        proxyRequest.Headers.TryAddWithoutValidation(UpstreamForwarder.CallerHeader, callerId);
        if (httpContext.Connection.RemoteIpAddress is { } peer)
        {
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", peer.ToString());
        }

        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        if (request.Host.HasValue)
        {
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (!await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken) || proxyResponse is null)
        {
            return false;
        }

        httpContext.Response.Headers.Remove(UpstreamForwarder.CallerHeader);
        var mediaType = proxyResponse.Content.Headers.ContentType?.MediaType ?? string.Empty;
        if (rewrite is null)
        {
            if (mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                // An event stream lasts as long as events flow: from here on only the idle timeout applies.
                answerTimeout.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
            }

            return true;
        }

        var text = await proxyResponse.Content.ReadAsStringAsync(cancellationToken);
        var rewritten = Encoding.UTF8.GetBytes(rewrite(text, mediaType));
        httpContext.Response.ContentLength = rewritten.Length;
        await httpContext.Response.Body.WriteAsync(rewritten, cancellationToken);
        return false;
    }

    private void RemoveRefused(System.Net.Http.Headers.HttpHeaders headers)
    {
        // NonValidated: only the names are looked at, so no value is parsed (enumerating the headers
        // themselves parses every value of every request); the list exists only when one is refused.
        List<string>? refused = null;
        foreach (var header in headers.NonValidated)
        {
            var normalized = Normalized(header.Key);
            if (HopByHop.Contains(normalized) || SetByTheGateway.Contains(normalized)
                || (!forwardAuthorization && normalized.Equals("Authorization", StringComparison.OrdinalIgnoreCase)))
            {
                (refused ??= []).Add(header.Key);
            }
        }

        foreach (var name in refused ?? [])
        {
            headers.Remove(name);
        }
    }
}
