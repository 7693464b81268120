using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Issuer.Registration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>Turns the expected failures into clear JSON errors; anything else is logged and reported as 500.</summary>
internal sealed partial class AdminErrorFilter : IEndpointFilter
{
    private readonly ILogger<AdminErrorFilter> _logger;

    public AdminErrorFilter(ILogger<AdminErrorFilter> logger) => _logger = logger;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (EntryValidationException ex)
        {
            return Results.Json(new ErrorView(ex.Message, [.. ex.Errors.Select(e => new FieldErrorView(e.Field, e.Message))]), statusCode: StatusCodes.Status400BadRequest);
        }
        catch (CaException ex)
        {
            return Results.Json(new ErrorView(ex.Message), statusCode: StatusCodes.Status400BadRequest);
        }
        catch (NotFoundException ex)
        {
            return Results.Json(new ErrorView(ex.Message), statusCode: StatusCodes.Status404NotFound);
        }
        catch (DuplicateEntryException ex)
        {
            return Results.Json(new ErrorView(ex.Message, [new FieldErrorView("spiffeId", ex.Message)]), statusCode: StatusCodes.Status409Conflict);
        }
        catch (DatastoreException ex) when (ex.IsTransient)
        {
            LogFailure(_logger, context.HttpContext.Request.Path, ex);
            return Results.Json(new ErrorView("the datastore is unavailable; try again"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (KeyManagerException ex)
        {
            // The message names the key and the backend's answer, never key material or credentials.
            LogFailure(_logger, context.HttpContext.Request.Path, ex);
            return Results.Json(new ErrorView("the key manager failed: " + ex.Message), statusCode: ex.IsTransient ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailure(_logger, context.HttpContext.Request.Path, ex);
            return Results.Json(new ErrorView("internal error; see the issuer log"), statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Error, Message = "Admin request {Path} failed")]
    private static partial void LogFailure(ILogger logger, string path, Exception exception);
}
