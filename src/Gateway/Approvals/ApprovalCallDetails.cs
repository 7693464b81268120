using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Gateway.Approvals;

/// <summary>
/// What an approval is bound to beyond caller, tool, action and target: a SHA-256 <see cref="Digest"/>
/// of the whole call (method, path, query, and the MCP arguments or the REST body), so the retried call
/// must be the very call that was approved; and what <c>approvals list</c> shows of it (query, MCP
/// arguments, REST body size and digest), truncated. Never logged: arguments can carry secrets.
/// </summary>
internal sealed record ApprovalCallDetails(string Digest, string Query, string Arguments, string Body)
{
    /// <summary>The longest query or arguments text <c>approvals list</c> shows; longer ones are cut and say so.</summary>
    public const int MaxShownChars = 512;

    /// <summary>An MCP <c>tools/call</c>: its compact JSON arguments (the JSON-RPC id, which changes on a retry, is left out).</summary>
    public static ApprovalCallDetails ForMcp(HttpRequest request, string arguments) =>
        Create(request, "mcp", Encoding.UTF8.GetBytes(arguments), Shorten(arguments), string.Empty);

    /// <summary>A REST call with its whole body (empty when it has none).</summary>
    public static ApprovalCallDetails ForRest(HttpRequest request, ReadOnlySpan<byte> body) =>
        Create(request, "rest", body, string.Empty, body.IsEmpty ? string.Empty : $"{body.Length.ToString(CultureInfo.InvariantCulture)} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(body))}");

    private static ApprovalCallDetails Create(HttpRequest request, string kind, ReadOnlySpan<byte> payload, string arguments, string body)
    {
        var query = request.QueryString.Value ?? string.Empty;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var field in new[] { request.Method, request.Path.Value ?? string.Empty, query, kind })
        {
            Append(hash, Encoding.UTF8.GetBytes(field));
        }

        Append(hash, payload);
        return new ApprovalCallDetails(Convert.ToHexStringLower(hash.GetHashAndReset()), Shorten(query), arguments, body);
    }

    /// <summary>Length-prefixed, so no two different calls hash the same bytes.</summary>
    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(length, field.Length);
        hash.AppendData(length);
        hash.AppendData(field);
    }

    private static string Shorten(string text) =>
        text.Length <= MaxShownChars ? text : $"{text[..MaxShownChars]}… (truncated, {text.Length.ToString(CultureInfo.InvariantCulture)} chars)";
}
