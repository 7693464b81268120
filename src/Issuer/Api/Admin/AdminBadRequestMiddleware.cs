using IdentityIssuer.Attestation;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>
/// A body larger than <see cref="MaxRequestBodySize"/> gets a 413 that names the limit before any
/// endpoint reads it, and a body that is not the JSON an endpoint expects gets a 400 that says so, not
/// an empty reply.
/// </summary>
internal sealed class AdminBadRequestMiddleware
{
    /// <summary>Largest admin request body: far above any entry within the entry limits (about 100 KB).</summary>
    public const int MaxRequestBodySize = 1024 * 1024;

    private readonly RequestDelegate _next;

    public AdminBadRequestMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            if (!await BufferBodyAsync(context))
            {
                await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"request body is larger than the admin API's limit of {MaxRequestBodySize} bytes");
                return;
            }

            await _next(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            await WriteErrorAsync(context, ex.StatusCode, $"request body is not valid: {InputEcho.Of(ex.InnerException?.Message ?? ex.Message)}");
        }
    }

    /// <summary>
    /// Reads the body (chunked or not) into memory up to the limit, so the endpoint's JSON reader never
    /// meets the limit half-way (which it would report as an empty reply); false when it is over.
    /// </summary>
    private static async Task<bool> BufferBodyAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength is > MaxRequestBodySize)
        {
            return false;
        }

        if (request.ContentLength is 0 || (request.ContentLength is null && !HttpMethods.IsPost(request.Method) && !HttpMethods.IsPut(request.Method)))
        {
            return true;
        }

        MemoryStream? buffer = new();
        try
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > MaxRequestBodySize)
                {
                    return false;
                }

                buffer.Write(chunk, 0, read);
            }

            buffer.Position = 0;
            request.Body = buffer;
            context.Response.RegisterForDispose(buffer);
            buffer = null;
            return true;
        }
        finally
        {
            buffer?.Dispose();
        }
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorView(message), context.RequestAborted);
    }
}
