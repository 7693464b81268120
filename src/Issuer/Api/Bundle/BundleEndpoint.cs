using IdentityIssuer.Issuer.Ca;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Issuer.Api.Bundle;

/// <summary>
/// The SPIFFE bundle endpoint: GET / returns this trust domain's bundle as JSON with its current
/// <c>spiffe_sequence</c>; any other method gets 405. No client authentication is asked for.
/// </summary>
internal static class BundleEndpoint
{
    public static void UseBundleEndpoint(this IApplicationBuilder app)
    {
        app.Run(async context =>
        {
            if (context.Request.Path != "/" && context.Request.Path != string.Empty)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            if (!HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = "GET";
                return;
            }

            var bundles = context.RequestServices.GetRequiredService<TrustBundleService>();
            var bundle = await bundles.GetOwnBundleAsync(context.RequestAborted);
            context.Response.ContentType = "application/json";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(bundle.ToJson(), context.RequestAborted);
        });
    }
}
