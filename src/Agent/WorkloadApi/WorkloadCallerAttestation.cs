using System.Collections.Concurrent;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Attestation.Workload;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// Workload attestation as the Workload API runs it for each call: first a check that the pid still
/// names the process that connected (its start time at accept), then the selectors of that process,
/// reused for <see cref="WorkloadApiOptions.AttestationCacheTtl"/> (calls that arrive while it is
/// being attested wait for the same attestation), with at most
/// <see cref="WorkloadApiOptions.MaxConcurrentAttestations"/> attestations running at once. A failed
/// attestation is not kept: the next call attests again.
/// </summary>
internal sealed class WorkloadCallerAttestation : IDisposable
{
    private readonly IWorkloadAttestation _attestation;
    private readonly IOptions<WorkloadApiOptions> _options;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly WorkloadProcessProbe _probe = new();
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<WorkloadProcess, Entry> _cache = new();

    public WorkloadCallerAttestation(IWorkloadAttestation attestation, IOptions<WorkloadApiOptions> options, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        _attestation = attestation;
        _options = options;
        _time = time;
        _stopping = lifetime.ApplicationStopping;
        _slots = new SemaphoreSlim(options.Value.MaxConcurrentAttestations);
    }

    /// <summary>The selectors of <paramref name="process"/>.</summary>
    /// <exception cref="WorkloadAttestationException">The process cannot be attested; <see cref="WorkloadAttestationException.CallerChanged"/> when it is not the one that connected.</exception>
    public async Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        await _probe.EnsureSameProcessAsync(process, cancellationToken);
        var ttl = _options.Value.AttestationCacheTtl;
        if (ttl <= TimeSpan.Zero)
        {
            return await AttestBoundedAsync(process, cancellationToken);
        }

        var now = _time.GetUtcNow();
        var fresh = new Entry(now + ttl, new Lazy<Task<IReadOnlyList<Selector>>>(() => AttestBoundedAsync(process, _stopping)));
        var entry = _cache.AddOrUpdate(process, fresh, (_, old) => old.IsUsable(now) ? old : fresh);
        if (ReferenceEquals(entry, fresh))
        {
            RemoveExpired(now);
        }

        try
        {
            return await entry.Selectors.Value.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is WorkloadAttestationException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _cache.TryRemove(KeyValuePair.Create(process, entry));
            throw;
        }
    }

    public void Dispose() => _slots.Dispose();

    private async Task<IReadOnlyList<Selector>> AttestBoundedAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await _attestation.AttestAsync(process, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var (key, entry) in _cache)
        {
            if (!entry.IsUsable(now))
            {
                _cache.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    private sealed record Entry(DateTimeOffset ExpiresAt, Lazy<Task<IReadOnlyList<Selector>>> Selectors)
    {
        public bool IsUsable(DateTimeOffset now) =>
            now < ExpiresAt && !(Selectors.IsValueCreated && (Selectors.Value.IsFaulted || Selectors.Value.IsCanceled));
    }
}
