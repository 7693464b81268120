using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// Counts the Workload API calls (HTTP/2 streams) open now, per caller uid and in total, and refuses
/// one over <see cref="WorkloadApiOptions.MaxStreamsPerUid"/> or <see cref="WorkloadApiOptions.MaxStreams"/>
/// with ResourceExhausted, so one user's streams cannot take every place.
/// </summary>
internal sealed class WorkloadStreamLimiter
{
    private readonly IOptions<WorkloadApiOptions> _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, int> _perUid = [];
    private int _total;

    public WorkloadStreamLimiter(IOptions<WorkloadApiOptions> options) => _options = options;

    /// <summary>Takes a place for a stream of <paramref name="uid"/>; dispose the lease when the stream ends.</summary>
    /// <exception cref="RpcException">ResourceExhausted: a bound is reached; the message names it.</exception>
    public Lease Enter(int uid)
    {
        var options = _options.Value;
        lock (_lock)
        {
            var open = _perUid.GetValueOrDefault(uid);
            if (open >= options.MaxStreamsPerUid)
            {
                throw WorkloadApiService.Fail(
                    StatusCode.ResourceExhausted,
                    string.Create(CultureInfo.InvariantCulture, $"too many Workload API streams for uid {uid}: at most {options.MaxStreamsPerUid} at a time ({WorkloadApiOptions.SectionName}:{nameof(WorkloadApiOptions.MaxStreamsPerUid)})"));
            }

            if (_total >= options.MaxStreams)
            {
                throw WorkloadApiService.Fail(
                    StatusCode.ResourceExhausted,
                    string.Create(CultureInfo.InvariantCulture, $"too many Workload API streams: at most {options.MaxStreams} at a time on this agent ({WorkloadApiOptions.SectionName}:{nameof(WorkloadApiOptions.MaxStreams)})"));
            }

            _perUid[uid] = open + 1;
            _total++;
        }

        return new Lease(this, uid);
    }

    private void Leave(int uid)
    {
        lock (_lock)
        {
            var open = _perUid[uid] - 1;
            if (open == 0)
            {
                _perUid.Remove(uid);
            }
            else
            {
                _perUid[uid] = open;
            }

            _total--;
        }
    }

    /// <summary>A stream's place; disposing it more than once frees the place once.</summary>
    internal sealed class Lease(WorkloadStreamLimiter limiter, int uid) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                limiter.Leave(uid);
            }
        }
    }
}
