using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Attestation.Workload;
using IdentityIssuer.Spiffe.WorkloadApi;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// The SPIFFE Workload API (service <c>SpiffeWorkloadAPI</c>, no proto package) over gRPC framing
/// of our own. Every call needs the <c>workload.spiffe.io: true</c> header; the caller is known only
/// by the kernel peer credentials of its connection, turned into selectors by workload attestation.
/// </summary>
internal sealed partial class WorkloadApiServer
{
    public const string ServiceName = "SpiffeWorkloadAPI";
    public const string SecurityHeader = "workload.spiffe.io";
    public const string NoIdentityMessage = "no identity issued";
    public const string CallerChangedMessage = NoIdentityMessage + ": the process that opened this connection has exited or changed; reconnect";

    private readonly IIdentityCache _cache;
    private readonly WorkloadCallerAttestation _attestation;
    private readonly WorkloadStreamLimiter _streams;
    private readonly IOptions<WorkloadApiOptions> _options;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<WorkloadApiServer> _logger;

    public WorkloadApiServer(
        IIdentityCache cache,
        WorkloadCallerAttestation attestation,
        WorkloadStreamLimiter streams,
        IOptions<WorkloadApiOptions> options,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILogger<WorkloadApiServer> logger)
    {
        _cache = cache;
        _attestation = attestation;
        _streams = streams;
        _options = options;
        _time = time;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>Serves one call of <c>/SpiffeWorkloadAPI/{method}</c> (or of another service, which is unimplemented).</summary>
    public async Task HandleAsync(HttpContext context, string service, string method)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.Features.Get<WorkloadCallerFeature>();
        if (caller is null)
        {
            // Not a Workload API connection: the endpoints exist only on the Workload API socket.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpProtocol.IsHttp2(context.Request.Protocol))
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }

        if (!GrpcFraming.IsGrpcContentType(context.Request.ContentType))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = GrpcFraming.ContentType;
        var aborted = context.RequestAborted;
        var stopping = _lifetime.ApplicationStopping;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        var pid = caller.Process.ProcessId;
        var uid = caller.Process.UserId;
        try
        {
            CheckSecurityHeader(context.Request);
            if (!string.Equals(service, ServiceName, StringComparison.Ordinal))
            {
                throw new GrpcStatusException(GrpcStatusCode.Unimplemented, $"unknown service {service}");
            }

            using var place = _streams.Enter(uid);

            Task call = method switch
            {
                "FetchX509SVID" => FetchX509SvidAsync(context, caller, linked.Token),
                "FetchX509Bundles" => FetchX509BundlesAsync(context, caller, linked.Token),
                "FetchJWTSVID" => FetchJwtSvidAsync(context, caller, linked.Token),
                "FetchJWTBundles" => FetchJwtBundlesAsync(context, caller, linked.Token),
                "ValidateJWTSVID" => ValidateJwtSvidAsync(context, caller, linked.Token),
                _ => throw new GrpcStatusException(GrpcStatusCode.Unimplemented, $"unknown method {method} for service {ServiceName}"),
            };
            await call;
            GrpcFraming.SetStatus(context.Response, GrpcStatusCode.Ok, null);
        }
        catch (GrpcStatusException e)
        {
            Log.CallFailed(_logger, method, pid, uid, e.Code, e.Message);
            GrpcFraming.SetStatus(context.Response, e.Code, e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && aborted.IsCancellationRequested)
        {
            Log.CallerGone(_logger, method, pid, uid);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Log.CallEndedByShutdown(_logger, method, pid, uid);
            GrpcFraming.SetStatus(context.Response, GrpcStatusCode.Unavailable, "the agent is shutting down");
        }
#pragma warning disable CA1031 // The last line of defence: a bug must end the call with a status, not a reset.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.CallCrashed(_logger, e, method, pid, uid);
            GrpcFraming.SetStatus(context.Response, GrpcStatusCode.Internal, "internal error");
        }
    }

    private static void CheckSecurityHeader(HttpRequest request)
    {
        var values = request.Headers[SecurityHeader];
        if (values.Count != 1 || !string.Equals(values[0], "true", StringComparison.Ordinal))
        {
            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "security header missing from request");
        }
    }

    private Task<T> ReadRequestAsync<T>(HttpContext context, Google.Protobuf.MessageParser<T> parser, CancellationToken cancellationToken)
        where T : Google.Protobuf.IMessage<T> =>
        GrpcFraming.ReadSingleMessageAsync(context.Request.BodyReader, parser, _options.Value.MaxRequestMessageBytes, cancellationToken);

    private async Task<WorkloadCaller> AttestAsync(WorkloadCallerFeature feature, CancellationToken cancellationToken)
    {
        var process = feature.Process;
        IReadOnlyList<Selector> selectors;
        try
        {
            selectors = await _attestation.AttestAsync(process, cancellationToken);
        }
        catch (WorkloadAttestationException e) when (e.CallerChanged)
        {
            // Whoever holds the connection now is not the process the kernel named when it connected
            // (it exited and handed the socket on, or its pid was reused): it has no identity here.
            Log.CallerChanged(_logger, process.ProcessId, process.UserId, e.Message);
            throw new GrpcStatusException(GrpcStatusCode.PermissionDenied, CallerChangedMessage);
        }
        catch (WorkloadAttestationException e)
        {
            Log.AttestationFailed(_logger, process.ProcessId, process.UserId, e.Message);
            throw new GrpcStatusException(GrpcStatusCode.Unavailable, "workload attestation failed");
        }

        return new WorkloadCaller(process, new HashSet<Selector>(selectors));
    }

    private IdentitySnapshot CurrentSnapshot()
    {
        try
        {
            return _cache.Current;
        }
        catch (IdentityCacheNotReadyException e)
        {
            throw new GrpcStatusException(GrpcStatusCode.Unavailable, $"the agent has no identities to serve yet: {e.Message}");
        }
    }

    /// <summary>The caller's identities in <paramref name="snapshot"/>; PermissionDenied when there are none.</summary>
    private IReadOnlyList<WorkloadX509Svid> RequireIdentities(IdentitySnapshot snapshot, WorkloadCaller caller, string method)
    {
        var matches = WorkloadResponses.Match(snapshot, caller.Selectors);
        if (matches.Count == 0)
        {
            Log.NoIdentity(_logger, method, caller.Process.ProcessId, caller.Process.UserId);
            throw new GrpcStatusException(GrpcStatusCode.PermissionDenied, NoIdentityMessage);
        }

        return matches;
    }

    /// <summary>
    /// The streaming loop of the three Fetch*Bundles/SVID methods: sends the caller's view of the
    /// current snapshot at once, then a new one after every cache change that alters it, and ends
    /// with PermissionDenied when the caller loses its last identity.
    /// </summary>
    private async Task StreamAsync(
        HttpContext context,
        WorkloadCaller caller,
        string method,
        Func<IdentitySnapshot, IReadOnlyList<WorkloadX509Svid>, Google.Protobuf.IMessage> build,
        CancellationToken cancellationToken)
    {
        byte[]? last = null;
        var snapshot = CurrentSnapshot();
        while (true)
        {
            var matches = RequireIdentities(snapshot, caller, method);
            var bytes = Google.Protobuf.MessageExtensions.ToByteArray(build(snapshot, matches));
            if (last is null || !bytes.AsSpan().SequenceEqual(last))
            {
                await GrpcFraming.WriteMessageAsync(context.Response.BodyWriter, bytes, cancellationToken);
                last = bytes;
                Log.StreamSent(_logger, method, caller.Process.ProcessId, caller.Process.UserId, snapshot.Version,
                    string.Join(",", matches.Select(m => m.SpiffeId.ToString())));
            }

            await _cache.WaitForChangeAsync(snapshot.Version, cancellationToken);
            snapshot = CurrentSnapshot();
        }
    }
}
