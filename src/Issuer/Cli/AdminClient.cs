using System.Net.Http.Json;
using System.Text.Json;
using IdentityIssuer.Issuer.Api.Admin.Contracts;

namespace IdentityIssuer.Issuer.Cli;

/// <summary>HTTP over the admin Unix socket, for the CLI's admin commands.</summary>
internal sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _socketPath;

    public AdminClient(string socketPath)
    {
        _socketPath = socketPath;
        var handler = Shared.UnixSocketHttp.CreateHandler(socketPath);
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://admin.sock/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public Task<T> GetAsync<T>(string path, CancellationToken ct) => SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), ct);

    public Task<T> DeleteAsync<T>(string path, CancellationToken ct) => SendAsync<T>(new HttpRequestMessage(HttpMethod.Delete, path), ct);

    public Task<T> PostAsync<T>(string path, object body, CancellationToken ct) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) }, ct);

    public Task<T> PutAsync<T>(string path, object body, CancellationToken ct) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body, options: Json) }, ct);

    public async Task<string> GetTextAsync(string path, CancellationToken ct)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await SendRawAsync(request, ct);
        return await response.Content.ReadFromJsonAsync<T>(Json, ct)
            ?? throw new AdminApiException("the issuer sent an empty reply", null);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new AdminApiException($"cannot reach the issuer's admin socket {_socketPath}: {ex.InnerException?.Message ?? ex.Message} (is 'identity-issuer run' running? set --socket or IDENTITY_ISSUER_ADMIN_SOCKET)", null);
        }
        finally
        {
            request.Dispose();
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            ErrorView? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync<ErrorView>(Json, ct);
            }
            catch (JsonException)
            {
            }

            throw new AdminApiException(error?.Error ?? $"the issuer answered {(int)response.StatusCode} {response.ReasonPhrase}", error);
        }
    }
}

/// <summary>The issuer refused or could not be reached; the message is the issuer's own.</summary>
internal sealed class AdminApiException : Exception
{
    public AdminApiException(string message, ErrorView? error)
        : base(message)
    {
        Error = error;
    }

    public ErrorView? Error { get; }
}
