using Google.Protobuf;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Spiffe.WorkloadApi;
using IdentityIssuer.Spiffe.WorkloadApi.Proto;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// Builds Workload API responses from an <see cref="IdentitySnapshot"/>: which identities a caller
/// gets, hint de-duplication, and the X.509 and JWT bundle maps. Map entries are added in ordinal key
/// order, so equal snapshots build equal messages (which is how a stream skips repeats) and equal bytes.
/// </summary>
internal static class WorkloadResponses
{
    /// <summary>
    /// The SVIDs whose entry selectors are all among the caller's, in snapshot order, keeping for each
    /// non-empty hint only the SVID of the oldest entry (empty hints never collide): <see cref="WorkloadMatching"/>,
    /// the rule the issuer's <c>entry simulate</c> also applies.
    /// </summary>
    public static IReadOnlyList<WorkloadX509Svid> Match(IdentitySnapshot snapshot, IReadOnlySet<Selector> callerSelectors)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return WorkloadMatching.Match(snapshot.Svids, callerSelectors, KeyOf);
    }

    private static WorkloadMatchKey KeyOf(WorkloadX509Svid svid) => new(svid.EntryId, svid.Selectors, svid.Hint, svid.EntryCreatedAt);

    /// <summary>The X509SVIDResponse: every matching SVID with the own trust domain's bundle, foreign bundles apart.</summary>
    /// <exception cref="Grpc.Core.RpcException">Unavailable when the snapshot lacks the own trust domain's bundle.</exception>
    public static X509SVIDResponse X509Svids(IdentitySnapshot snapshot, IReadOnlyList<WorkloadX509Svid> matches)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(matches);
        var ownId = snapshot.TrustDomain.IdString;
        if (!snapshot.X509Bundles.TryGetValue(ownId, out var own) || own.Length == 0)
        {
            throw WorkloadApiService.Fail(Grpc.Core.StatusCode.Unavailable, "the trust bundle is not available yet");
        }

        var bundle = ByteString.CopyFrom(own);
        var response = new X509SVIDResponse();
        foreach (var svid in matches)
        {
            response.Svids.Add(new X509SVID
            {
                SpiffeId = svid.SpiffeId.ToString(),
                X509Svid = ByteString.CopyFrom(svid.ChainDer),
                X509SvidKey = ByteString.CopyFrom(svid.PrivateKeyPkcs8),
                Bundle = bundle,
                Hint = svid.Hint,
            });
        }

        response.Crl.AddRange(snapshot.Crls.Select(ByteString.CopyFrom));
        foreach (var (td, der) in Ordered(snapshot.X509Bundles))
        {
            if (!string.Equals(td, ownId, StringComparison.Ordinal))
            {
                response.FederatedBundles.Add(td, ByteString.CopyFrom(der));
            }
        }

        return response;
    }

    /// <summary>The X509BundlesResponse: own and foreign trust domains' CA certificates, and the CRLs.</summary>
    public static X509BundlesResponse X509Bundles(IdentitySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        RequireOwn(snapshot, snapshot.X509Bundles);
        var response = new X509BundlesResponse();
        response.Crl.AddRange(snapshot.Crls.Select(ByteString.CopyFrom));
        foreach (var (td, der) in Ordered(snapshot.X509Bundles))
        {
            response.Bundles.Add(td, ByteString.CopyFrom(der));
        }

        return response;
    }

    /// <summary>The JWTBundlesResponse: own and foreign trust domains' JWKS documents.</summary>
    public static JWTBundlesResponse JwtBundles(IdentitySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        RequireOwn(snapshot, snapshot.JwtBundles);
        var response = new JWTBundlesResponse();
        foreach (var (td, jwks) in Ordered(snapshot.JwtBundles))
        {
            response.Bundles.Add(td, ByteString.CopyFrom(jwks));
        }

        return response;
    }

    private static void RequireOwn(IdentitySnapshot snapshot, IReadOnlyDictionary<string, byte[]> bundles)
    {
        if (!bundles.ContainsKey(snapshot.TrustDomain.IdString))
        {
            throw WorkloadApiService.Fail(Grpc.Core.StatusCode.Unavailable, "the trust bundle is not available yet");
        }
    }

    private static IEnumerable<KeyValuePair<string, byte[]>> Ordered(IReadOnlyDictionary<string, byte[]> map) =>
        map.OrderBy(pair => pair.Key, StringComparer.Ordinal);
}
