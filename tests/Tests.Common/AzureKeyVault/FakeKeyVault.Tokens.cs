using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Tests.Common.AzureKeyVault;

/// <summary>The Microsoft Entra side: OAuth2 client-credentials tokens for the vault's resource.</summary>
public sealed partial class FakeKeyVault
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    private async Task HandleTokenAsync(HttpContext context, string tenant)
    {
        if (!context.Request.HasFormContentType)
        {
            await WriteOAuthErrorAsync(context, HttpStatusCode.BadRequest, "invalid_request", "AADSTS900144: The request body must contain the grant_type parameter.");
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (!string.Equals(tenant, TenantId, StringComparison.OrdinalIgnoreCase))
        {
            await WriteOAuthErrorAsync(context, HttpStatusCode.BadRequest, "invalid_tenant", $"AADSTS90002: Tenant '{tenant}' not found.");
            return;
        }

        if (form["grant_type"] != "client_credentials")
        {
            await WriteOAuthErrorAsync(context, HttpStatusCode.BadRequest, "unsupported_grant_type", "AADSTS70003: only client_credentials is supported here.");
            return;
        }

        if (form["client_id"] != ClientId)
        {
            await WriteOAuthErrorAsync(context, HttpStatusCode.BadRequest, "unauthorized_client", $"AADSTS700016: Application with identifier '{form["client_id"]}' was not found in the directory.");
            return;
        }

        if (form["client_secret"] != ClientSecret)
        {
            await WriteOAuthErrorAsync(context, HttpStatusCode.Unauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
            return;
        }

        var scopes = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!scopes.Contains(Resource + "/.default", StringComparer.OrdinalIgnoreCase))
        {
            await WriteOAuthErrorAsync(context, HttpStatusCode.BadRequest, "invalid_scope", $"AADSTS70011: The provided value for scope '{form["scope"]}' is not valid.");
            return;
        }

        var token = "fake-token-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = DateTimeOffset.UtcNow + TokenLifetime;
        Interlocked.Increment(ref _tokensIssued);
        var seconds = (int)TokenLifetime.TotalSeconds;
        await WriteAsync(context, HttpStatusCode.OK, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = seconds,
            ["ext_expires_in"] = seconds,
            ["access_token"] = token,
        });
    }

    private Task OpenIdConfigurationAsync(HttpContext context, string tenant)
    {
        var authority = $"{AuthorityHost.AbsoluteUri}{tenant}";
        return WriteAsync(context, HttpStatusCode.OK, new JsonObject
        {
            ["token_endpoint"] = $"{authority}/oauth2/v2.0/token",
            ["authorization_endpoint"] = $"{authority}/oauth2/v2.0/authorize",
            ["issuer"] = $"{authority}/v2.0",
        });
    }

    private static Task WriteOAuthErrorAsync(HttpContext context, HttpStatusCode status, string error, string description) =>
        WriteAsync(context, status, new JsonObject
        {
            ["error"] = error,
            ["error_description"] = description,
            ["error_codes"] = new JsonArray(),
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
        });
}
