using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Tests.Common.Kms;

public sealed partial class FakeKmsServer
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Checks the request's Signature Version 4 header signature as KMS does: the credential scope
    /// (access key, date, region, <c>kms</c>, <c>aws4_request</c>), the time (15 minutes either way),
    /// and the signature over the canonical request (method, URI, query, the signed headers, the
    /// SHA-256 of the body) with the key derived from <see cref="SecretAccessKey"/>. Null when it holds.
    /// </summary>
    private KmsError? VerifySignature(HttpRequest request, byte[] body)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            return new KmsError("MissingAuthenticationTokenException", "Missing Authentication Token");
        }

        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return new KmsError("IncompleteSignatureException", $"Unsupported signing algorithm; use {Algorithm}.");
        }

        var fields = authorization[(Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaderList)
            || !fields.TryGetValue("Signature", out var signature))
        {
            return new KmsError("IncompleteSignatureException", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5)
        {
            return new KmsError("IncompleteSignatureException", "Credential must have the form <key>/<date>/<region>/<service>/aws4_request.");
        }

        if (!string.Equals(scope[0], AccessKeyId, StringComparison.Ordinal))
        {
            return new KmsError("UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return new KmsError("IncompleteSignatureException", "X-Amz-Date is missing or not in the form yyyyMMddTHHmmssZ.");
        }

        if ((DateTimeOffset.UtcNow - signedAt).Duration() > AllowedSkew)
        {
            return new KmsError("InvalidSignatureException", $"Signature expired: {amzDate} is now earlier or later than the allowed 15 minutes.");
        }

        if (scope[1] != amzDate[..8] || scope[2] != Region || scope[3] != "kms" || scope[4] != "aws4_request")
        {
            return new KmsError("InvalidSignatureException", $"Credential should be scoped to {amzDate[..8]}/{Region}/kms/aws4_request, not '{string.Join('/', scope[1..])}'.");
        }

        var signedHeaders = signedHeaderList.Split(';');
        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date"))
        {
            return new KmsError("IncompleteSignatureException", "The host and x-amz-date headers must be signed.");
        }

        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (request.Headers.TryGetValue("x-amz-content-sha256", out var declared) && declared.ToString() != payloadHash)
        {
            return new KmsError("InvalidSignatureException", "The provided x-amz-content-sha256 header does not match what was computed.");
        }

        var canonical = new StringBuilder()
            .Append(request.Method).Append('\n')
            .Append(CanonicalUri(request.Path.Value)).Append('\n')
            .Append(CanonicalQuery(request.QueryString.Value)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = request.Headers[name].Select(v => CollapseSpaces(v ?? string.Empty));
            canonical.Append(name).Append(':').Append(string.Join(',', values)).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaderList).Append('\n').Append(payloadHash);

        var stringToSign = $"{Algorithm}\n{amzDate}\n{string.Join('/', scope[1..])}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + SecretAccessKey), scope[1]);
        key = Hmac(key, scope[2]);
        key = Hmac(key, scope[3]);
        key = Hmac(key, scope[4]);
        var expected = Convert.ToHexStringLower(Hmac(key, stringToSign));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            return new KmsError(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }

        return null;
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    /// <summary>Each path segment URI-encoded (RFC 3986 unreserved characters kept); KMS's path is <c>/</c>.</summary>
    private static string CanonicalUri(string? path) =>
        string.IsNullOrEmpty(path) ? "/" : string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private static string CanonicalQuery(string? query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return string.Empty;
        }

        return string.Join('&', query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Value: p.Length > 1 ? Uri.EscapeDataString(Uri.UnescapeDataString(p[1])) : string.Empty))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    private static string CollapseSpaces(string value)
    {
        var builder = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.Trim())
        {
            if (c == ' ')
            {
                if (!space)
                {
                    builder.Append(c);
                }

                space = true;
            }
            else
            {
                builder.Append(c);
                space = false;
            }
        }

        return builder.ToString();
    }
}
