using System.Text.Json;
using IdentityIssuer.Attestation;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Ops.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// Serves the paths of <see cref="AgentApiPaths"/> on the agent listener, and nothing else: the
/// dispatch is explicit, so no endpoint of another API is reachable through this port. JSON in and
/// out (camelCase); errors are <c>{"error": "…"}</c> with 400, 401, 403, 404, 405, 429 or 503.
/// </summary>
internal static class AgentApiHandler
{
    /// <summary>Largest request body accepted (a full signing batch is far below it).</summary>
    public const long MaxRequestBodySize = 4 * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static async Task InvokeAsync(HttpContext context)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await DispatchAsync(context);
        }
        finally
        {
            context.RequestServices.GetService<IssuerMetrics>()?.AgentApiRequest(context.Request.Path.Value ?? string.Empty, context.Response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    private static async Task DispatchAsync(HttpContext context)
    {
        var bodySize = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (bodySize is { IsReadOnly: false })
        {
            bodySize.MaxRequestBodySize = MaxRequestBodySize;
        }

        context.Response.Headers.CacheControl = "no-store";
        var ct = context.RequestAborted;
        var services = context.RequestServices;
        var path = context.Request.Path.Value ?? string.Empty;
        try
        {
            switch (path)
            {
                case AgentApiPaths.Attest:
                    RequireMethod(context, HttpMethods.Post);
                    await WriteAsync(context, await services.GetRequiredService<AgentAttestationService>().AttestAsync(await ReadAsync<AttestRequest>(context), ct));
                    break;

                case AgentApiPaths.Challenge:
                    RequireMethod(context, HttpMethods.Post);
                    await WriteAsync(context, services.GetRequiredService<AgentAttestationService>().Challenge(await ReadAsync<ChallengeRequest>(context), context.Connection.RemoteIpAddress));
                    break;

                case AgentApiPaths.Renew:
                {
                    RequireMethod(context, HttpMethods.Post);
                    var agent = await AuthenticateAsync(context);
                    await WriteAsync(context, await services.GetRequiredService<AgentAttestationService>().RenewAsync(agent, await ReadAsync<RenewRequest>(context), ct));
                    break;
                }

                case AgentApiPaths.Sync:
                {
                    RequireMethod(context, HttpMethods.Get);
                    var agent = await AuthenticateAsync(context);
                    var (afterRevision, pageToken, pageSize) = ReadSyncQuery(context.Request.Query);
                    var crlVersion = context.Request.Query["crlVersion"].ToString();
                    await WriteAsync(context, await services.GetRequiredService<AgentSyncService>().SyncAsync(agent, afterRevision, pageToken, pageSize, crlVersion, ct));
                    break;
                }

                case AgentApiPaths.SignX509:
                {
                    RequireMethod(context, HttpMethods.Post);
                    var agent = await AuthenticateAsync(context);
                    await WriteAsync(context, await services.GetRequiredService<AgentSvidService>().SignX509Async(agent, await ReadAsync<SignX509Request>(context), ct));
                    break;
                }

                case AgentApiPaths.MintJwt:
                {
                    RequireMethod(context, HttpMethods.Post);
                    var agent = await AuthenticateAsync(context);
                    await WriteAsync(context, await services.GetRequiredService<AgentSvidService>().MintJwtAsync(agent, await ReadAsync<MintJwtRequest>(context), ct));
                    break;
                }

                default:
                    throw new AgentApiException(StatusCodes.Status404NotFound, $"no agent API at '{InputEcho.Of(path)}'");
            }
        }
        catch (AgentApiException ex) when (!context.Response.HasStarted)
        {
            AgentApiLog.Refused(Logger(context), path, ex.StatusCode, ex.Message);
            await WriteErrorAsync(context, ex.StatusCode, ex.Message);
        }
        catch (CaException ex) when (!context.Response.HasStarted)
        {
            AgentApiLog.Refused(Logger(context), path, StatusCodes.Status400BadRequest, ex.Message);
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            await WriteErrorAsync(context, ex.StatusCode, $"request is not valid: {ex.Message}");
        }
        catch (DatastoreException ex) when (ex.IsTransient && !context.Response.HasStarted)
        {
            AgentApiLog.Failed(Logger(context), path, ex);
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "the datastore is unavailable; try again");
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
        {
            AgentApiLog.Failed(Logger(context), path, ex);
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "internal error; see the issuer log");
        }
    }

    private static void RequireMethod(HttpContext context, string method)
    {
        if (!string.Equals(context.Request.Method, method, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.Allow = method;
            throw new AgentApiException(StatusCodes.Status405MethodNotAllowed, $"{InputEcho.Of(context.Request.Path.Value)} takes {method}");
        }
    }

    private static Task<AuthenticatedAgent> AuthenticateAsync(HttpContext context) =>
        context.RequestServices.GetRequiredService<AgentAuthenticator>().AuthenticateAsync(context, context.RequestAborted);

    private static async Task<T> ReadAsync<T>(HttpContext context)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            throw AgentApiException.BadRequest("the request body must be JSON (Content-Type: application/json)");
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, Json, context.RequestAborted)
                ?? throw AgentApiException.BadRequest("the request body is empty");
        }
        catch (JsonException ex)
        {
            throw AgentApiException.BadRequest($"the request body is not a valid {typeof(T).Name}: {ex.Message}");
        }
    }

    private static (long AfterRevision, string? PageToken, int PageSize) ReadSyncQuery(IQueryCollection query)
    {
        long afterRevision = 0;
        if (query.TryGetValue("afterRevision", out var after) && (!long.TryParse(after, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out afterRevision)))
        {
            throw AgentApiException.BadRequest($"afterRevision must be a non-negative number (got '{InputEcho.Of(after.ToString())}')");
        }

        var pageSize = AgentSyncService.DefaultPageSize;
        if (query.TryGetValue("pageSize", out var size)
            && (!int.TryParse(size, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > AgentSyncService.MaxPageSize))
        {
            throw AgentApiException.BadRequest($"pageSize must be a number from 1 to {AgentSyncService.MaxPageSize} (got '{InputEcho.Of(size.ToString())}')");
        }

        var token = query["pageToken"].ToString();
        return (afterRevision, token.Length == 0 ? null : token, pageSize);
    }

    private static Task WriteAsync<T>(HttpContext context, T value) =>
        context.Response.WriteAsJsonAsync(value, Json, context.RequestAborted);

    private static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new AgentErrorView(message), Json, context.RequestAborted);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("IdentityIssuer.Issuer.Api.Agent.AgentApi");
}
