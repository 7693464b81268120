using IdentityIssuer.Spiffe.WorkloadApi.Proto;

namespace IdentityIssuer.Agent.WorkloadApi;

internal sealed partial class WorkloadApiServer
{
    private async Task FetchX509SvidAsync(HttpContext context, WorkloadCallerFeature feature, CancellationToken cancellationToken)
    {
        await ReadRequestAsync(context, X509SVIDRequest.Parser, cancellationToken);
        var caller = await AttestAsync(feature, cancellationToken);
        await StreamAsync(context, caller, "FetchX509SVID", WorkloadResponses.X509Svids, cancellationToken);
    }

    private async Task FetchX509BundlesAsync(HttpContext context, WorkloadCallerFeature feature, CancellationToken cancellationToken)
    {
        await ReadRequestAsync(context, X509BundlesRequest.Parser, cancellationToken);
        var caller = await AttestAsync(feature, cancellationToken);
        await StreamAsync(context, caller, "FetchX509Bundles", (snapshot, _) => WorkloadResponses.X509Bundles(snapshot), cancellationToken);
    }
}
