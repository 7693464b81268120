using Google.Protobuf;
using Grpc.Core;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Attestation.Workload;
using IdentityIssuer.Spiffe.WorkloadApi.Proto;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// The SPIFFE Workload API (service <c>SpiffeWorkloadAPI</c>, no proto package) on Grpc.AspNetCore.
/// The caller is known only by the kernel peer credentials of its connection
/// (<see cref="WorkloadCallerFeature"/>), turned into selectors by workload attestation. The
/// <c>workload.spiffe.io: true</c> header, the stream bounds and the outcome logging are
/// <see cref="WorkloadApiInterceptor"/>'s.
/// </summary>
internal sealed partial class WorkloadApiService : SpiffeWorkloadAPI.SpiffeWorkloadAPIBase
{
    public const string ServiceName = "SpiffeWorkloadAPI";
    public const string NoIdentityMessage = "no identity issued";
    public const string CallerChangedMessage = NoIdentityMessage + ": the process that opened this connection has exited or changed; reconnect";

    private readonly IIdentityCache _cache;
    private readonly WorkloadCallerAttestation _attestation;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<WorkloadApiService> _logger;

    public WorkloadApiService(
        IIdentityCache cache,
        WorkloadCallerAttestation attestation,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILogger<WorkloadApiService> logger)
    {
        _cache = cache;
        _attestation = attestation;
        _time = time;
        _lifetime = lifetime;
        _logger = logger;
    }

    internal static RpcException Fail(StatusCode code, string message) => new(new Status(code, message));

    /// <summary>The call's token, also cancelled when the agent stops (the interceptor then answers Unavailable).</summary>
    private CancellationTokenSource Linked(ServerCallContext context) =>
        CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _lifetime.ApplicationStopping);

    private async Task<WorkloadCaller> AttestAsync(ServerCallContext context, CancellationToken cancellationToken)
    {
        var process = WorkloadApiInterceptor.CallerOf(context).Process;
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
            throw Fail(StatusCode.PermissionDenied, CallerChangedMessage);
        }
        catch (WorkloadAttestationException e)
        {
            Log.AttestationFailed(_logger, process.ProcessId, process.UserId, e.Message);
            throw Fail(StatusCode.Unavailable, "workload attestation failed");
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
            throw Fail(StatusCode.Unavailable, $"the agent has no identities to serve yet: {e.Message}");
        }
    }

    /// <summary>The caller's identities in <paramref name="snapshot"/>; PermissionDenied when there are none.</summary>
    private IReadOnlyList<WorkloadX509Svid> RequireIdentities(IdentitySnapshot snapshot, WorkloadCaller caller, string method)
    {
        var matches = WorkloadResponses.Match(snapshot, caller.Selectors);
        if (matches.Count == 0)
        {
            Log.NoIdentity(_logger, method, caller.Process.ProcessId, caller.Process.UserId);
            throw Fail(StatusCode.PermissionDenied, NoIdentityMessage);
        }

        return matches;
    }

    /// <summary>
    /// The streaming loop of the three Fetch*Bundles/SVID methods: sends the caller's view of the
    /// current snapshot at once, then a new one after every cache change that alters it, and ends
    /// with PermissionDenied when the caller loses its last identity.
    /// </summary>
    private async Task StreamAsync<T>(
        IServerStreamWriter<T> responses,
        WorkloadCaller caller,
        string method,
        Func<IdentitySnapshot, IReadOnlyList<WorkloadX509Svid>, T> build,
        CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        T? last = default;
        var snapshot = CurrentSnapshot();
        while (true)
        {
            var matches = RequireIdentities(snapshot, caller, method);
            var message = build(snapshot, matches);
            if (last is null || !message.Equals(last))
            {
                _cache.NoteServed(matches, caller.Selectors);
                await responses.WriteAsync(message, cancellationToken);
                last = message;
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    // The ID list is built only when it is logged: at the default level it never is.
                    Log.StreamSent(_logger, method, caller.Process.ProcessId, caller.Process.UserId, snapshot.Version,
                        string.Join(",", matches.Select(m => m.SpiffeId.ToString())));
                }
            }

            // A caller that leaves once it has what it needs is the usual end of a stream: end
            // without an exception (thrown through the call's frames and Grpc.AspNetCore, one costs
            // CPU that the next caller's call is waiting for).
            var changed = _cache.WaitForChangeAsync(snapshot.Version, cancellationToken);
            await changed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (cancellationToken.IsCancellationRequested)
            {
                _lifetime.ApplicationStopping.ThrowIfCancellationRequested(); // the interceptor answers Unavailable
                return;
            }

            await changed; // a fault, if any
            snapshot = CurrentSnapshot();
        }
    }
}
