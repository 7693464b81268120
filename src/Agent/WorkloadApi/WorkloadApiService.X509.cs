using Grpc.Core;
using IdentityIssuer.Spiffe.WorkloadApi.Proto;

namespace IdentityIssuer.Agent.WorkloadApi;

internal sealed partial class WorkloadApiService
{
    public override async Task FetchX509SVID(X509SVIDRequest request, IServerStreamWriter<X509SVIDResponse> responseStream, ServerCallContext context)
    {
        using var linked = Linked(context);
        var caller = await AttestAsync(context, linked.Token);
        await StreamAsync(responseStream, caller, "FetchX509SVID", WorkloadResponses.X509Svids, linked.Token);
    }

    public override async Task FetchX509Bundles(X509BundlesRequest request, IServerStreamWriter<X509BundlesResponse> responseStream, ServerCallContext context)
    {
        using var linked = Linked(context);
        var caller = await AttestAsync(context, linked.Token);
        await StreamAsync(responseStream, caller, "FetchX509Bundles", (snapshot, _) => WorkloadResponses.X509Bundles(snapshot), linked.Token);
    }
}
