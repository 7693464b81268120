using System.Security.Cryptography;
using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// Single-use nonces kept in this process's memory until they are used or expire. With several issuer
/// replicas, the challenge and the attestation that answers it must reach the same replica (sticky
/// routing) until a shared store replaces this one.
/// </summary>
/// <remarks>
/// Challenges are unauthenticated, so the store is bounded three ways that keep one caller from
/// locking out the others: at most <c>maxPerSource</c> outstanding nonces per source (the caller's
/// address; further requests are refused with <see cref="NodeChallengeOutcome.SourceLimit"/>); once
/// the store is more than half full, new nonces live only <c>pressureLifetime</c>; and when it is full,
/// the oldest nonce of the source holding the most is evicted for a caller that holds fewer, so
/// a caller with few outstanding nonces is served even while many sources flood.
/// </remarks>
public sealed class NodeChallengeStore : INodeChallengeVerifier
{
    /// <summary>Bytes of randomness in a nonce.</summary>
    public const int NonceLength = 32;

    /// <summary>Outstanding nonces across all sources, by default.</summary>
    public const int DefaultCapacity = 10_000;

    /// <summary>Outstanding nonces per source, by default.</summary>
    public const int DefaultMaxPerSource = 16;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Outstanding> _outstanding = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkedList<string>> _bySource = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _pressureLifetime;
    private readonly int _capacity;
    private readonly int _maxPerSource;

    /// <summary>
    /// Nonces live for <paramref name="lifetime"/> (default two minutes), or <paramref name="pressureLifetime"/>
    /// (default 15 seconds) once more than half of <paramref name="capacity"/> is taken; at most
    /// <paramref name="maxPerSource"/> are outstanding per source.
    /// </summary>
    public NodeChallengeStore(
        TimeProvider time,
        TimeSpan? lifetime = null,
        int capacity = DefaultCapacity,
        int maxPerSource = DefaultMaxPerSource,
        TimeSpan? pressureLifetime = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerSource, 1);
        _time = time;
        _lifetime = lifetime ?? TimeSpan.FromMinutes(2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_lifetime, TimeSpan.Zero, nameof(lifetime));
        _pressureLifetime = pressureLifetime ?? TimeSpan.FromSeconds(15);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_pressureLifetime, TimeSpan.Zero, nameof(pressureLifetime));
        _capacity = capacity;
        _maxPerSource = maxPerSource;
    }

    /// <summary>How many nonces are outstanding (expired ones included until purged).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _outstanding.Count;
            }
        }
    }

    /// <summary>Outstanding nonces allowed per source.</summary>
    public int MaxPerSource => _maxPerSource;

    /// <summary>How long a nonce lives when the store is at most half full.</summary>
    public TimeSpan Lifetime => _lifetime;

    /// <summary>
    /// A fresh nonce for <paramref name="source"/> (the caller's address, see <see cref="NodeChallengeSource"/>),
    /// or why none is issued: the source already holds <see cref="MaxPerSource"/> unexpired nonces, or the
    /// store is full of nonces of sources that hold no more than this one does.
    /// </summary>
    public NodeChallengeIssue TryIssue(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _bySource.TryGetValue(source, out var mine);
            if (mine is not null && mine.Count >= _maxPerSource)
            {
                PurgeExpired(mine, now);
                if (mine.Count >= _maxPerSource)
                {
                    return new NodeChallengeIssue(NodeChallengeOutcome.SourceLimit, null);
                }
            }

            if (_outstanding.Count >= _capacity)
            {
                PurgeExpired(now);
                if (_outstanding.Count >= _capacity && !EvictForFairShare(mine?.Count ?? 0))
                {
                    return new NodeChallengeIssue(NodeChallengeOutcome.StoreFull, null);
                }
            }

            var lifetime = _outstanding.Count * 2 >= _capacity && _pressureLifetime < _lifetime ? _pressureLifetime : _lifetime;
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(NonceLength));
            var expiresAt = now + lifetime;
            if (!_bySource.TryGetValue(source, out mine))
            {
                mine = new LinkedList<string>();
                _bySource[source] = mine;
            }

            _outstanding[nonce] = new Outstanding(expiresAt, source, mine.AddLast(nonce));
            return new NodeChallengeIssue(NodeChallengeOutcome.Issued, new ChallengeResponse(nonce, expiresAt));
        }
    }

    /// <inheritdoc />
    public bool TryConsume(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != NonceLength)
        {
            return false;
        }

        var key = Convert.ToBase64String(nonce);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_outstanding.TryGetValue(key, out var entry))
            {
                return false;
            }

            Remove(key, entry);
            return now < entry.ExpiresAt;
        }
    }

    /// <summary>Evicts the oldest nonce of the source holding the most, when that is more than the caller holds.</summary>
    private bool EvictForFairShare(int callerCount)
    {
        LinkedList<string>? largest = null;
        foreach (var nonces in _bySource.Values)
        {
            if (largest is null || nonces.Count > largest.Count)
            {
                largest = nonces;
            }
        }

        if (largest is null || largest.Count <= callerCount)
        {
            return false;
        }

        var oldest = largest.First!.Value;
        Remove(oldest, _outstanding[oldest]);
        return true;
    }

    private void PurgeExpired(DateTimeOffset now)
    {
        foreach (var nonces in _bySource.Values.ToList())
        {
            PurgeExpired(nonces, now);
        }
    }

    private void PurgeExpired(LinkedList<string> nonces, DateTimeOffset now)
    {
        for (var node = nonces.First; node is not null;)
        {
            var next = node.Next;
            var entry = _outstanding[node.Value];
            if (now >= entry.ExpiresAt)
            {
                Remove(node.Value, entry);
            }

            node = next;
        }
    }

    private void Remove(string nonce, Outstanding entry)
    {
        _outstanding.Remove(nonce);
        var nonces = entry.Node.List!;
        nonces.Remove(entry.Node);
        if (nonces.Count == 0)
        {
            _bySource.Remove(entry.Source);
        }
    }

    private sealed record Outstanding(DateTimeOffset ExpiresAt, string Source, LinkedListNode<string> Node);
}
