using Azure.Core;
using Azure.Core.Pipeline;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>
/// Key Vault's challenge-based bearer authentication on Azure.Core's <see cref="BearerTokenAuthenticationPolicy"/>.
/// The first request goes out without a token (and without its body); the vault answers 401 with
/// <c>WWW-Authenticate: Bearer authorization="https://login.../tenant", resource="https://vault.azure.net"</c>
/// (newer vaults send <c>scope="https://vault.azure.net/.default"</c>). The policy takes the scope and
/// tenant from that challenge, checks that the scope belongs to the vault's own domain (a URI
/// pointing elsewhere must not be handed a token for another resource), and retries with a token.
/// Later requests reuse the scope and the cached token.
/// </summary>
internal sealed class AzureKeyVaultChallengePolicy : BearerTokenAuthenticationPolicy
{
    private const string ContentStashKey = "IdentityIssuer.AzureKeyVault.Content";

    private volatile Challenge? _challenge;

    public AzureKeyVaultChallengePolicy(TokenCredential credential)
        : base(credential, Array.Empty<string>())
    {
    }

    /// <inheritdoc />
    protected override ValueTask AuthorizeRequestAsync(HttpMessage message) => AuthorizeRequestCoreAsync(message, async: true);

    /// <inheritdoc />
    protected override void AuthorizeRequest(HttpMessage message) => Completed(AuthorizeRequestCoreAsync(message, async: false));

    /// <inheritdoc />
    protected override ValueTask<bool> AuthorizeRequestOnChallengeAsync(HttpMessage message) => OnChallengeCoreAsync(message, async: true);

    /// <inheritdoc />
    protected override bool AuthorizeRequestOnChallenge(HttpMessage message) => Completed(OnChallengeCoreAsync(message, async: false));

    private async ValueTask AuthorizeRequestCoreAsync(HttpMessage message, bool async)
    {
        if (message.Request.Uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException("Key Vault requests must use https: a bearer token is never sent in clear text");
        }

        if (_challenge is { } challenge)
        {
            await AuthorizeAsync(message, challenge, async);
            return;
        }

        // No challenge yet: send the request without its body; the vault answers 401 and the
        // body goes out with the retry.
        if (message.Request.Content is { } content)
        {
            message.SetProperty(ContentStashKey, new StashedContent(content));
            message.Request.Content = null;
        }
    }

    private async ValueTask<bool> OnChallengeCoreAsync(HttpMessage message, bool async)
    {
        if (message.TryGetProperty(ContentStashKey, out var stashed) && stashed is StashedContent { Content: { } content } stash)
        {
            message.Request.Content = content;
            stash.Content = null;
        }

        if (!message.Response.Headers.TryGetValue("WWW-Authenticate", out var header)
            || AzureKeyVaultChallenge.Parse(header) is not { } parsed)
        {
            return false;
        }

        if (!AzureKeyVaultChallenge.ScopeMatchesHost(parsed.Scope, message.Request.Uri.Host ?? string.Empty))
        {
            throw new AzureKeyVaultChallengeException(
                $"the vault at {message.Request.Uri.Host} asked for a token for '{parsed.Scope}', which is not a resource of that host's domain; refusing to send one");
        }

        var challenge = new Challenge(parsed.Scope, parsed.TenantId);
        _challenge = challenge;
        await AuthorizeAsync(message, challenge, async);
        return true;
    }

    private async ValueTask AuthorizeAsync(HttpMessage message, Challenge challenge, bool async)
    {
        var context = new TokenRequestContext([challenge.Scope], parentRequestId: message.Request.ClientRequestId, tenantId: challenge.TenantId);
        if (async)
        {
            await AuthenticateAndAuthorizeRequestAsync(message, context);
        }
        else
        {
            AuthenticateAndAuthorizeRequest(message, context);
        }
    }

    // With async: false every await above completes synchronously.
    private static void Completed(ValueTask pending) => pending.AsTask().GetAwaiter().GetResult();

    private static T Completed<T>(ValueTask<T> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private sealed class StashedContent(RequestContent content)
    {
        public RequestContent? Content { get; set; } = content;
    }

    private sealed record Challenge(string Scope, string? TenantId);
}
