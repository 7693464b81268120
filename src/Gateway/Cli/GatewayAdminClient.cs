using System.Net.Http.Json;
using System.Text.Json;

namespace IdentityIssuer.Gateway.Cli;

/// <summary>HTTP over the gateway's admin Unix socket, for the CLI.</summary>
internal sealed class GatewayAdminClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _socketPath;

    public GatewayAdminClient(string socketPath)
    {
        _socketPath = socketPath;
        var handler = Shared.UnixSocketHttp.CreateHandler(socketPath);
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://gateway-admin.sock/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);

    public Task<JsonElement> PostAsync(string path, object body, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) }, ct);

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new GatewayAdminException($"cannot reach the gateway's admin socket {_socketPath}: {ex.InnerException?.Message ?? ex.Message} (is 'identity-gateway run' running? set --socket or IDENTITY_GATEWAY_ADMIN_SOCKET)");
        }
        finally
        {
            request.Dispose();
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(body.Length == 0 ? "{}" : body).RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new GatewayAdminException($"the gateway answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new GatewayAdminException(json.TryGetProperty("error", out var error) ? error.GetString() ?? string.Empty : $"the gateway answered {(int)response.StatusCode}");
            }

            return json;
        }
    }
}

/// <summary>The gateway refused or could not be reached; the message says which.</summary>
internal sealed class GatewayAdminException(string message) : Exception(message);
