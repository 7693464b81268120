using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.Jwt;
using IdentityIssuer.Spiffe.WorkloadApi;
using IdentityIssuer.Spiffe.WorkloadApi.Proto;

namespace IdentityIssuer.Agent.WorkloadApi;

internal sealed partial class WorkloadApiService
{
    /// <summary>Most audiences one FetchJWTSVID request may name.</summary>
    public const int MaxAudiences = 32;

    /// <summary>Longest audience, in characters, FetchJWTSVID and ValidateJWTSVID accept.</summary>
    public const int MaxAudienceLength = 256;

    /// <summary>How much of each audience, and how many audiences, the logs show.</summary>
    private const int LoggedAudienceLength = 64;
    private const int LoggedAudiences = 4;
    private const int MaxReasonLength = 512;

    private readonly Lock _jwtBundlesLock = new();
    private (long Version, JwtBundleSet Bundles)? _jwtBundles;

    public override async Task<JWTSVIDResponse> FetchJWTSVID(JWTSVIDRequest request, ServerCallContext context)
    {
        if (request.Audience.Count == 0 || request.Audience.Any(string.IsNullOrEmpty))
        {
            throw Fail(StatusCode.InvalidArgument, "audience must be specified");
        }

        CheckAudienceBounds(request.Audience);
        SpiffeId? requested = null;
        if (request.SpiffeId.Length > 0)
        {
            if (!SpiffeId.TryParse(request.SpiffeId, out requested, out var error))
            {
                throw Fail(StatusCode.InvalidArgument, $"invalid requested SPIFFE ID: {error}");
            }
        }

        using var linked = Linked(context);
        var cancellationToken = linked.Token;
        var caller = await AttestAsync(context, cancellationToken);
        var identities = WorkloadResponses.Match(CurrentSnapshot(), caller.Selectors);
        if (requested is not null)
        {
            identities = identities.Where(i => i.SpiffeId == requested).ToList();
        }

        if (identities.Count == 0)
        {
            Log.NoIdentity(_logger, "FetchJWTSVID", caller.Process.ProcessId, caller.Process.UserId);
            throw Fail(StatusCode.PermissionDenied, NoIdentityMessage);
        }

        _cache.NoteServed(identities, caller.Selectors);

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
                throw Fail(StatusCode.Unavailable, $"could not fetch JWT-SVID: {e.Message}");
            }
            catch (JwtSvidRateLimitException e)
            {
                throw Fail(StatusCode.ResourceExhausted, e.Message);
            }

            response.Svids.Add(new JWTSVID { SpiffeId = svid.SpiffeId, Svid = svid.Token, Hint = identity.Hint });
            Log.JwtSvidIssued(_logger, caller.Process.ProcessId, caller.Process.UserId, svid.SpiffeId, AudienceForLog(audience), svid.ExpiresAt);
        }

        return response;
    }

    public override async Task FetchJWTBundles(JWTBundlesRequest request, IServerStreamWriter<JWTBundlesResponse> responseStream, ServerCallContext context)
    {
        using var linked = Linked(context);
        var caller = await AttestAsync(context, linked.Token);
        await StreamAsync(responseStream, caller, "FetchJWTBundles", (snapshot, _) => WorkloadResponses.JwtBundles(snapshot), linked.Token);
    }

    public override async Task<ValidateJWTSVIDResponse> ValidateJWTSVID(ValidateJWTSVIDRequest request, ServerCallContext context)
    {
        if (request.Audience.Length == 0)
        {
            throw Fail(StatusCode.InvalidArgument, "audience must be specified");
        }

        CheckAudienceBounds([request.Audience]);
        if (request.Svid.Length == 0)
        {
            throw Fail(StatusCode.InvalidArgument, "svid must be specified");
        }

        using var linked = Linked(context);
        var caller = await AttestAsync(context, linked.Token);
        var snapshot = CurrentSnapshot();
        RequireIdentities(snapshot, caller, "ValidateJWTSVID");
        var result = JwtSvidValidator.Validate(request.Svid, [request.Audience], JwtBundlesOf(snapshot), _time.GetUtcNow());
        if (!result.IsValid)
        {
            // The reason can quote the token's own claims (its audiences), which the caller chose: cut it short.
            var reason = result.Error.Length <= MaxReasonLength ? result.Error : string.Concat(result.Error.AsSpan(0, MaxReasonLength), "…");
            Log.JwtSvidRejected(_logger, caller.Process.ProcessId, caller.Process.UserId, reason);
            throw Fail(StatusCode.InvalidArgument, reason);
        }

        Log.JwtSvidValidated(_logger, caller.Process.ProcessId, caller.Process.UserId, result.Id!.ToString(), AudienceForLog([request.Audience]));
        return new ValidateJWTSVIDResponse
        {
            SpiffeId = result.Id.ToString(),
            Claims = JsonParser.Default.Parse<Struct>(result.Claims.GetRawText()),
        };
    }

    /// <summary>Refuses more than <see cref="MaxAudiences"/> audiences or one longer than <see cref="MaxAudienceLength"/>.</summary>
    private static void CheckAudienceBounds(IReadOnlyList<string> audience)
    {
        if (audience.Count > MaxAudiences)
        {
            throw Fail(StatusCode.InvalidArgument, $"{audience.Count} audiences requested; at most {MaxAudiences} are allowed");
        }

        for (var i = 0; i < audience.Count; i++)
        {
            if (audience[i].Length > MaxAudienceLength)
            {
                throw Fail(StatusCode.InvalidArgument,
                    $"audience {i + 1} is {audience[i].Length} characters long; at most {MaxAudienceLength} are allowed");
            }
        }
    }

    /// <summary>The audiences as logged: the first few, each cut to its first characters, and how many there are.</summary>
    internal static string AudienceForLog(IReadOnlyList<string> audience)
    {
        var shown = audience.Take(LoggedAudiences).Select(a => a.Length <= LoggedAudienceLength ? a : string.Concat(a.AsSpan(0, LoggedAudienceLength), "…"));
        var text = string.Join(",", shown);
        return audience.Count > LoggedAudiences ? $"{text},… ({audience.Count} audiences)" : text;
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
