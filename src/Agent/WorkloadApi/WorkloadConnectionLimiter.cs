using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// Counts the connections open now on the Workload API socket, per caller uid (from SO_PEERCRED) and in
/// total, and refuses one over <see cref="WorkloadApiOptions.MaxConnectionsPerUid"/> or
/// <see cref="WorkloadApiOptions.MaxConnections"/>: the socket is world-writable, so without a bound one
/// local user's idle connections could take every descriptor and the agent's memory. Refusals are
/// logged as one warning naming the setting, then summarised at most once per
/// <see cref="WarningInterval"/>, never one line per refused connection.
/// </summary>
internal sealed partial class WorkloadConnectionLimiter
{
    /// <summary>The shortest time between two warnings about refused connections of the same bound.</summary>
    internal static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    private readonly IOptions<WorkloadApiOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly UidPlaces _places = new();
    private readonly RefusalThrottle _perUidRefusals = new();
    private readonly RefusalThrottle _totalRefusals = new();
    private long _refused;

    public WorkloadConnectionLimiter(IOptions<WorkloadApiOptions> options, TimeProvider time, ILogger<WorkloadConnectionLimiter> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Connections holding a place now.</summary>
    public int Open => _places.Total;

    /// <summary>Connections refused since the agent started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// Takes a place for a connection of <paramref name="uid"/>; dispose the place when the connection
    /// ends. Null when a bound is reached: close the connection at once.
    /// </summary>
    public UidPlaces.Place? TryEnter(int uid)
    {
        var options = _options.Value;
        if (_places.TryTake(uid, options.MaxConnectionsPerUid, options.MaxConnections, out var refusal) is { } place)
        {
            return place;
        }

        Interlocked.Increment(ref _refused);
        var now = _time.GetUtcNow();
        if (refusal == UidPlaces.Refusal.PerUid)
        {
            if (_perUidRefusals.Note(now) is { } refused)
            {
                Log.PerUidBoundReached(_logger, uid, options.MaxConnectionsPerUid, refused, WarningInterval);
            }
        }
        else if (_totalRefusals.Note(now) is { } refused)
        {
            Log.TotalBoundReached(_logger, uid, options.MaxConnections, refused, WarningInterval);
        }

        return null;
    }

    /// <summary>Counts refusals; lets a warning through at the first one and then at most once per <see cref="WarningInterval"/>.</summary>
    private sealed class RefusalThrottle
    {
        private readonly Lock _lock = new();
        private DateTimeOffset? _lastWarning;
        private long _since;

        /// <summary>Notes one refusal; returns how many to report (this one included) when a warning is due, else null.</summary>
        public long? Note(DateTimeOffset now)
        {
            lock (_lock)
            {
                _since++;
                if (_lastWarning is { } last && now - last < WarningInterval)
                {
                    return null;
                }

                _lastWarning = now;
                var refused = _since;
                _since = 0;
                return refused;
            }
        }
    }

    /// <summary>Connection bound log events (ids 440–449 of the Workload API range).</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 440, Level = LogLevel.Warning, Message = "Workload API connections refused: uid {Uid} already holds {Limit} connections, the most one uid may hold (" + WorkloadApiOptions.SectionName + ":" + nameof(WorkloadApiOptions.MaxConnectionsPerUid) + "); {Refused} connection(s) refused since the last such warning, which comes at most every {Interval}")]
        public static partial void PerUidBoundReached(ILogger logger, int uid, int limit, long refused, TimeSpan interval);

        [LoggerMessage(EventId = 441, Level = LogLevel.Warning, Message = "Workload API connections refused: the agent already holds {Limit} connections, the most it holds from all callers (" + WorkloadApiOptions.SectionName + ":" + nameof(WorkloadApiOptions.MaxConnections) + "), latest refused from uid {Uid}; {Refused} connection(s) refused since the last such warning, which comes at most every {Interval}")]
        public static partial void TotalBoundReached(ILogger logger, int uid, int limit, long refused, TimeSpan interval);
    }
}
