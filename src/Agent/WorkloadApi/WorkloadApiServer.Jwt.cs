using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.Jwt;
using IdentityIssuer.Spiffe.WorkloadApi;
using IdentityIssuer.Spiffe.WorkloadApi.Proto;

namespace IdentityIssuer.Agent.WorkloadApi;

internal sealed partial class WorkloadApiServer
{
    private readonly Lock _jwtBundlesLock = new();
    private (long Version, JwtBundleSet Bundles)? _jwtBundles;

    private async Task FetchJwtSvidAsync(HttpContext context, WorkloadCallerFeature feature, CancellationToken cancellationToken)
    {
        var request = await ReadRequestAsync(context, JWTSVIDRequest.Parser, cancellationToken);
        if (request.Audience.Count == 0 || request.Audience.Any(string.IsNullOrEmpty))
        {
            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "audience must be specified");
        }

        SpiffeId? requested = null;
        if (request.SpiffeId.Length > 0)
        {
            if (!SpiffeId.TryParse(request.SpiffeId, out requested, out var error))
            {
                throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, $"invalid requested SPIFFE ID: {error}");
            }
        }

        var caller = await AttestAsync(feature, cancellationToken);
        var identities = WorkloadResponses.Match(CurrentSnapshot(), caller.Selectors);
        if (requested is not null)
        {
            identities = identities.Where(i => i.SpiffeId == requested).ToList();
        }

        if (identities.Count == 0)
        {
            Log.NoIdentity(_logger, "FetchJWTSVID", caller.Process.ProcessId, caller.Process.UserId);
            throw new GrpcStatusException(GrpcStatusCode.PermissionDenied, NoIdentityMessage);
        }

        var audience = request.Audience.ToArray();
        var response = new JWTSVIDResponse();
        foreach (var identity in identities)
        {
            CachedJwtSvid svid;
            try
            {
                svid = await _cache.FetchJwtSvidAsync(identity, audience, cancellationToken);
            }
            catch (IdentityCacheNotReadyException e)
            {
                throw new GrpcStatusException(GrpcStatusCode.Unavailable, $"could not fetch JWT-SVID: {e.Message}");
            }

            response.Svids.Add(new JWTSVID { SpiffeId = svid.SpiffeId, Svid = svid.Token, Hint = identity.Hint });
            Log.JwtSvidIssued(_logger, caller.Process.ProcessId, caller.Process.UserId, svid.SpiffeId, string.Join(",", audience), svid.ExpiresAt);
        }

        await GrpcFraming.WriteMessageAsync(context.Response.BodyWriter, response, cancellationToken);
    }

    private async Task FetchJwtBundlesAsync(HttpContext context, WorkloadCallerFeature feature, CancellationToken cancellationToken)
    {
        await ReadRequestAsync(context, JWTBundlesRequest.Parser, cancellationToken);
        var caller = await AttestAsync(feature, cancellationToken);
        await StreamAsync(context, caller, "FetchJWTBundles", (snapshot, _) => WorkloadResponses.JwtBundles(snapshot), cancellationToken);
    }

    private async Task ValidateJwtSvidAsync(HttpContext context, WorkloadCallerFeature feature, CancellationToken cancellationToken)
    {
        var request = await ReadRequestAsync(context, ValidateJWTSVIDRequest.Parser, cancellationToken);
        if (request.Audience.Length == 0)
        {
            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "audience must be specified");
        }

        if (request.Svid.Length == 0)
        {
            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "svid must be specified");
        }

        var caller = await AttestAsync(feature, cancellationToken);
        var snapshot = CurrentSnapshot();
        RequireIdentities(snapshot, caller, "ValidateJWTSVID");
        var result = JwtSvidValidator.Validate(request.Svid, [request.Audience], JwtBundlesOf(snapshot), _time.GetUtcNow());
        if (!result.IsValid)
        {
            Log.JwtSvidRejected(_logger, caller.Process.ProcessId, caller.Process.UserId, result.Error);
            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, result.Error);
        }

        Log.JwtSvidValidated(_logger, caller.Process.ProcessId, caller.Process.UserId, result.Id!.ToString(), request.Audience);
        var response = new ValidateJWTSVIDResponse
        {
            SpiffeId = result.Id.ToString(),
            Claims = JsonParser.Default.Parse<Struct>(result.Claims.GetRawText()),
        };
        await GrpcFraming.WriteMessageAsync(context.Response.BodyWriter, response, cancellationToken);
    }

    /// <summary>The snapshot's JWT bundles as authorities, parsed once per snapshot version.</summary>
    private JwtBundleSet JwtBundlesOf(IdentitySnapshot snapshot)
    {
        lock (_jwtBundlesLock)
        {
            if (_jwtBundles is { } cached && cached.Version == snapshot.Version)
            {
                return cached.Bundles;
            }
        }

        var set = new JwtBundleSet();
        foreach (var (tdId, jwks) in snapshot.JwtBundles)
        {
            try
            {
                set.Add(TrustDomain.Parse(tdId), JwtBundleJwks.Parse(jwks));
            }
            catch (Exception e) when (e is SpiffeBundleException or SpiffeIdFormatException)
            {
                // One bad bundle must not stop validation against the others; its tokens fail as "no JWT bundle".
                Log.UnusableJwtBundle(_logger, tdId, e.Message);
            }
        }

        lock (_jwtBundlesLock)
        {
            _jwtBundles = (snapshot.Version, set);
        }

        return set;
    }
}
