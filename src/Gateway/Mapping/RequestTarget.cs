using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace IdentityIssuer.Gateway.Mapping;

/// <summary>
/// The request target as the caller sent it (<see cref="IHttpRequestFeature.RawTarget"/>): the gateway
/// maps the path decoded once and forwards these exact bytes, so the upstream receives what the policy
/// authorized. A path whose meaning changes with another decoding is refused: a segment that is, or
/// decodes (once or more) to, <c>.</c> or <c>..</c> (also with <c>;</c> parameters, as some servers strip
/// them), or that encodes <c>/</c> or <c>\</c>. What is left decodes once to <see cref="HttpRequest.Path"/>;
/// anything else is refused too.
/// </summary>
internal static class RequestTarget
{
    /// <summary>The path and query to forward, or why the request is refused (a clear 400 message).</summary>
    public static bool TryRead(HttpContext context, [NotNullWhen(true)] out string? pathAndQuery, [NotNullWhen(false)] out string? error)
    {
        pathAndQuery = null;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
        if (!raw.StartsWith('/'))
        {
            error = "invalid request target: only a path starting with / is forwarded";
            return false;
        }

        var queryStart = raw.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? raw : raw[..queryStart];
        var decoded = new System.Text.StringBuilder(path.Length);
        foreach (var segment in path[1..].Split('/'))
        {
            error = SegmentError(segment);
            if (error is not null)
            {
                return false;
            }

            decoded.Append('/').Append(Uri.UnescapeDataString(segment));
        }

        if (!string.Equals(decoded.ToString(), context.Request.Path.Value, StringComparison.Ordinal))
        {
            error = "invalid request path: it does not decode to one unambiguous path";
            return false;
        }

        pathAndQuery = raw;
        error = null;
        return true;
    }

    /// <summary>Null when the raw segment means the same however often it is decoded.</summary>
    private static string? SegmentError(string segment)
    {
        var value = segment;
        while (true)
        {
            var name = value.Split(';', 2)[0];
            if (name is "." or "..")
            {
                return $"invalid request path: segment '{segment}' is a dot segment ('.' or '..', encoded or not)";
            }

            if (value.Contains('\\', StringComparison.Ordinal) || value.Contains('/', StringComparison.Ordinal))
            {
                return $"invalid request path: segment '{segment}' encodes a '/' or '\\'";
            }

            var next = Uri.UnescapeDataString(value);
            if (next == value)
            {
                return null;
            }

            value = next;
        }
    }
}
