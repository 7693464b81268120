using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Revocation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Issuer.Api.Bundle;

/// <summary>
/// The SPIFFE bundle endpoint: GET / returns this trust domain's bundle as JSON with its current
/// <c>spiffe_sequence</c>; GET /crl/{authority id} returns that X.509 authority's current CRL (DER,
/// <c>application/pkix-crl</c>), for every replica's authorities. Other methods get 405, other paths
/// 404. No client authentication is asked for: bundles and CRLs are public and signed.
/// </summary>
internal static class BundleEndpoint
{
    /// <summary>The path prefix of the CRLs.</summary>
    public const string CrlPrefix = "/crl/";

    public static void UseBundleEndpoint(this IApplicationBuilder app)
    {
        app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? string.Empty;
            var isBundle = path is "/" or "";
            var isCrl = path.StartsWith(CrlPrefix, StringComparison.Ordinal) && path.Length > CrlPrefix.Length;
            if (!isBundle && !isCrl)
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

            context.Response.Headers.CacheControl = "no-store";
            if (isCrl)
            {
                var id = path[CrlPrefix.Length..];
                var state = await context.RequestServices.GetRequiredService<RevocationState>().GetAsync(context.RequestAborted);
                var crl = state.Crls.FirstOrDefault(c => string.Equals(c.AuthorityId, id, StringComparison.Ordinal));
                if (crl is null)
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                context.Response.ContentType = "application/pkix-crl";
                await context.Response.Body.WriteAsync(crl.Der, context.RequestAborted);
                return;
            }

            var bundles = context.RequestServices.GetRequiredService<TrustBundleService>();
            var bundle = await bundles.GetOwnBundleAsync(context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(bundle.ToJson(), context.RequestAborted);
        });
    }
}
