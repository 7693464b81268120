using IdentityIssuer.Issuer.Api.Admin.Contracts;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>A body that is not the JSON an endpoint expects gets a 400 that says so, not an empty reply.</summary>
internal sealed class AdminBadRequestMiddleware
{
    private readonly RequestDelegate _next;

    public AdminBadRequestMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await _next(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new ErrorView($"request body is not valid: {ex.InnerException?.Message ?? ex.Message}"), context.RequestAborted);
        }
    }
}
