using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>
/// The part of the Key Vault keys REST API the key manager uses (create, get, list with nextLink
/// paging, update, sign, delete, purge), sent through an Azure.Core <see cref="HttpPipeline"/> that
/// carries the retry and challenge-authentication policies. Every failure becomes a
/// <see cref="KeyManagerException"/> naming the vault and the setting to fix; a throttled, failing
/// or unreachable vault is transient.
/// </summary>
internal sealed class AzureKeyVaultClient
{
    private readonly HttpPipeline _pipeline;
    private readonly string _apiVersion;
    private readonly string _settings;
    private readonly string _credentialSetting;
    private readonly int _maxRetries;

    /// <param name="vault">The vault URI (https, host and port).</param>
    /// <param name="apiVersion">The REST API version.</param>
    /// <param name="pipeline">The pipeline with retry and authentication policies.</param>
    /// <param name="settingsPath">The settings section, e.g. <c>KeyManager:AzureKeyVault</c>, for error messages.</param>
    /// <param name="credential">The configured credential's name, for error messages.</param>
    /// <param name="maxRetries">The configured retries, for error messages.</param>
    public AzureKeyVaultClient(Uri vault, string apiVersion, HttpPipeline pipeline, string settingsPath, string credential, int maxRetries)
    {
        Vault = vault;
        _apiVersion = apiVersion;
        _pipeline = pipeline;
        _settings = settingsPath;
        _credentialSetting = $"{settingsPath}:Credential ('{credential}')";
        _maxRetries = maxRetries;
    }

    /// <summary>The vault.</summary>
    public Uri Vault { get; }

    /// <summary>GET keys/{name}[/{version}]: the key bundle, or null when there is no such (enabled or disabled) key.</summary>
    public async Task<AzureKeyVaultKeyBundle?> GetKeyAsync(string name, string? version, CancellationToken cancellationToken)
    {
        var path = version is null ? $"keys/{Escape(name)}" : $"keys/{Escape(name)}/{Escape(version)}";
        using var response = await SendAsync(RequestMethod.Get, path, null, "get key", "get", cancellationToken, allowNotFound: true);
        return response is null ? null : AzureKeyVaultKeyBundle.Parse(response.Value, Vault);
    }

    /// <summary>POST keys/{name}/create: a new key, or a new version of an existing one.</summary>
    public async Task<AzureKeyVaultKeyBundle> CreateKeyAsync(string name, JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(RequestMethod.Post, $"keys/{Escape(name)}/create", body, "create key", "create", cancellationToken)
            ?? throw new KeyManagerException($"vault {Vault} did not return the key it created ({name})", isTransient: true);
        return AzureKeyVaultKeyBundle.Parse(response.Value, Vault);
    }

    /// <summary>PATCH keys/{name}/{version}: enables or disables one version.</summary>
    public async Task SetEnabledAsync(string name, string version, bool enabled, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["attributes"] = new JsonObject { ["enabled"] = enabled } };
        using var response = await SendAsync(RequestMethod.Patch, $"keys/{Escape(name)}/{Escape(version)}", body, "update key", "update", cancellationToken);
    }

    /// <summary>GET keys, following nextLink: every key's name and tags.</summary>
    public async Task<IReadOnlyList<(string Name, string? TaggedKeyId)>> ListKeysAsync(CancellationToken cancellationToken)
    {
        var keys = new List<(string, string?)>();
        string? next = null;
        do
        {
            using var response = next is null
                ? await SendAsync(RequestMethod.Get, "keys", null, "list keys", "list", cancellationToken, query: "&maxresults=25")
                : await SendAsync(RequestMethod.Get, NextLink(next), null, "list keys", "list", cancellationToken);
            var root = response!.Value.RootElement;
            if (root.TryGetProperty("value", out var items) && items.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in items.EnumerateArray())
                {
                    if (item.TryGetProperty("kid", out var kid) && kid.GetString() is { } id
                        && AzureKeyVaultKeyBundle.TryParseKid(id, Vault, out var name, out _))
                    {
                        keys.Add((name, AzureKeyVaultKeyBundle.ReadKeyIdTag(item)));
                    }
                }
            }

            next = root.TryGetProperty("nextLink", out var link) && link.ValueKind == JsonValueKind.String ? link.GetString() : null;
        }
        while (!string.IsNullOrEmpty(next));

        return keys;
    }

    /// <summary>POST keys/{name}/{version}/sign: the signature over <paramref name="digest"/>, or null when the key version is gone.</summary>
    public async Task<byte[]?> SignAsync(string name, string version, string algorithm, byte[] digest, string keyId, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["alg"] = algorithm, ["value"] = System.Buffers.Text.Base64Url.EncodeToString(digest) };
        using var response = await SendAsync(RequestMethod.Post, $"keys/{Escape(name)}/{Escape(version)}/sign", body, $"sign with key '{keyId}'", "sign", cancellationToken, allowNotFound: true);
        if (response is null)
        {
            return null;
        }

        return response.Value.RootElement.TryGetProperty("value", out var value) && value.GetString() is { } text && AzureKeyVaultKeyBundle.TryDecodeBase64Url(text) is { } signature
            ? signature
            : throw new KeyManagerException($"vault {Vault} returned no signature for key '{keyId}'", isTransient: true);
    }

    /// <summary>DELETE keys/{name}: soft-deletes every version; false when there was no such key.</summary>
    public async Task<bool> DeleteKeyAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(RequestMethod.Delete, $"keys/{Escape(name)}", null, "delete key", "delete", cancellationToken, allowNotFound: true);
        return response is not null;
    }

    /// <summary>DELETE deletedkeys/{name}: purges a soft-deleted key; false when the vault has no deleted key of that name (yet).</summary>
    public async Task<bool> PurgeDeletedKeyAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(RequestMethod.Delete, $"deletedkeys/{Escape(name)}", null, "purge deleted key", "purge", cancellationToken, allowNotFound: true);
        return response is not null;
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private string NextLink(string next)
    {
        // A nextLink must point back at the same vault: the pipeline would send it a token.
        if (!Uri.TryCreate(next, UriKind.Absolute, out var uri)
            || !string.Equals(uri.GetLeftPart(UriPartial.Authority) + "/", Vault.AbsoluteUri, StringComparison.OrdinalIgnoreCase))
        {
            throw new KeyManagerException($"vault {Vault} returned a nextLink to another address ('{next}'); refusing to follow it", isTransient: false);
        }

        return uri.PathAndQuery.TrimStart('/');
    }

    private async Task<JsonDocumentResponse?> SendAsync(
        RequestMethod method, string pathAndQuery, JsonObject? body, string operation, string permission, CancellationToken cancellationToken,
        bool allowNotFound = false, string query = "")
    {
        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        var target = pathAndQuery.Contains('?', StringComparison.Ordinal)
            ? pathAndQuery
            : $"{pathAndQuery}?api-version={Uri.EscapeDataString(_apiVersion)}{query}";
        request.Uri.Reset(new Uri(Vault, target));
        request.Headers.Add("Accept", "application/json");
        if (body is not null)
        {
            request.Headers.Add("Content-Type", "application/json");
            request.Content = RequestContent.Create(BinaryData.FromString(body.ToJsonString()));
        }

        try
        {
            await _pipeline.SendAsync(message, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new KeyManagerException(
                $"vault {Vault} did not answer {operation} within {_settings}:NetworkTimeout (after {Retries()})", isTransient: true, ex);
        }
        catch (AuthenticationFailedException ex)
        {
            throw new KeyManagerException(
                $"could not get a token for vault {Vault} from the credential set by {_credentialSetting}; check that credential", isTransient: false, ex);
        }
        catch (AzureKeyVaultChallengeException ex)
        {
            throw new KeyManagerException($"{_settings}:VaultUri {Vault}: {ex.Message}", isTransient: false, ex);
        }
        catch (Exception ex) when (ex is RequestFailedException { Status: 0 } || (ex is AggregateException all && all.InnerExceptions.All(e => e is RequestFailedException { Status: 0 })))
        {
            // Azure.Core throws an AggregateException of the transport failures once every retry failed.
            throw new KeyManagerException(
                $"cannot reach the vault {Vault} set by {_settings}:VaultUri for {operation} (after {Retries()})", isTransient: true, ex);
        }

        var response = message.Response;
        if (response.Status == 404 && allowNotFound && ErrorCode(response) is not ("VaultNotFound" or null))
        {
            return null;
        }

        if (response.IsError)
        {
            throw Failure(response, operation, permission);
        }

        if (response.Status == 204 || response.Content.ToMemory().IsEmpty)
        {
            return new JsonDocumentResponse(JsonDocument.Parse("{}"));
        }

        try
        {
            return new JsonDocumentResponse(JsonDocument.Parse(response.Content.ToMemory()));
        }
        catch (JsonException ex)
        {
            throw new KeyManagerException($"vault {Vault} answered {operation} with a body that is not JSON (status {response.Status.ToString(CultureInfo.InvariantCulture)})", isTransient: true, ex);
        }
    }

    private KeyManagerException Failure(Response response, string operation, string permission)
    {
        var (code, innerCode, text) = Error(response);
        var status = response.Status.ToString(CultureInfo.InvariantCulture);
        var detail = code is null ? status : $"{status} {code}: {text}";
        return response.Status switch
        {
            401 => new KeyManagerException(
                $"vault {Vault} did not accept the token from the credential set by {_credentialSetting} for {operation} ({detail}); check that the identity belongs to the vault's tenant",
                isTransient: false),
            403 when innerCode is "KeyDisabled" || (text?.Contains("disabled", StringComparison.OrdinalIgnoreCase) ?? false) => new KeyManagerException(
                $"vault {Vault} refused to {operation}: that key version is disabled (it was replaced, or disabled by an operator) ({detail})",
                isTransient: false),
            403 => new KeyManagerException(
                $"vault {Vault} set by {_settings}:VaultUri denied {operation} ({detail}); grant the identity of {_credentialSetting} the keys/{permission} permission (for example the 'Key Vault Crypto Officer' role, or an access policy with keys create, get, list, update, sign and delete)",
                isTransient: false),
            404 => new KeyManagerException(
                $"vault {Vault} set by {_settings}:VaultUri answered {operation} with {detail}; check that the URI names an existing key vault",
                isTransient: false),
            409 => new KeyManagerException(
                $"vault {Vault} refused to {operation} ({detail}); a deleted key may still hold the name: purge or recover it, or set {_settings}:PurgeDeletedKeys",
                isTransient: false),
            408 or 429 or >= 500 => new KeyManagerException(
                $"vault {Vault} failed {operation} after {Retries()} ({detail})", isTransient: true),
            _ => new KeyManagerException($"vault {Vault} refused to {operation} ({detail})", isTransient: false),
        };
    }

    private string Retries() => $"{_maxRetries.ToString(CultureInfo.InvariantCulture)} {(_maxRetries == 1 ? "retry" : "retries")} ({_settings}:MaxRetries)";

    private static string? ErrorCode(Response response) => Error(response).Code;

    private static (string? Code, string? InnerCode, string? Message) Error(Response response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Content.ToMemory());
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                var message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
                var inner = error.TryGetProperty("innererror", out var i) && i.ValueKind == JsonValueKind.Object && i.TryGetProperty("code", out var ic) ? ic.GetString() : null;
                return (code, inner, message);
            }
        }
        catch (JsonException)
        {
        }

        return (null, null, null);
    }

    /// <summary>A parsed response body that is disposed with the response.</summary>
    private sealed class JsonDocumentResponse(JsonDocument value) : IDisposable
    {
        public JsonDocument Value { get; } = value;

        public void Dispose() => Value.Dispose();
    }
}
