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
    private readonly UidPlaces _places = new();

    public WorkloadStreamLimiter(IOptions<WorkloadApiOptions> options) => _options = options;

    /// <summary>Takes a place for a stream of <paramref name="uid"/>; dispose it when the stream ends.</summary>
    /// <exception cref="RpcException">ResourceExhausted: a bound is reached; the message names it.</exception>
    public UidPlaces.Place Enter(int uid)
    {
        var options = _options.Value;
        return _places.TryTake(uid, options.MaxStreamsPerUid, options.MaxStreams, out var refusal) ?? throw WorkloadApiService.Fail(
            StatusCode.ResourceExhausted,
            refusal == UidPlaces.Refusal.PerUid
                ? string.Create(CultureInfo.InvariantCulture, $"too many Workload API streams for uid {uid}: at most {options.MaxStreamsPerUid} at a time ({WorkloadApiOptions.SectionName}:{nameof(WorkloadApiOptions.MaxStreamsPerUid)})")
                : string.Create(CultureInfo.InvariantCulture, $"too many Workload API streams: at most {options.MaxStreams} at a time on this agent ({WorkloadApiOptions.SectionName}:{nameof(WorkloadApiOptions.MaxStreams)})"));
    }
}
