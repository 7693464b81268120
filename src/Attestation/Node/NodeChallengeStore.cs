using System.Collections.Concurrent;
using System.Security.Cryptography;
using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// Single-use nonces kept in this process's memory until they are used or expire. With several issuer
/// replicas, the challenge and the attestation that answers it must reach the same replica (sticky
/// routing) until a shared store replaces this one. The number of outstanding nonces is capped so
/// that unauthenticated callers cannot grow it without bound.
/// </summary>
public sealed class NodeChallengeStore : INodeChallengeVerifier
{
    /// <summary>Bytes of randomness in a nonce.</summary>
    public const int NonceLength = 32;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _outstanding = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly int _capacity;

    /// <summary>Nonces live for <paramref name="lifetime"/> (default two minutes); at most <paramref name="capacity"/> are outstanding.</summary>
    public NodeChallengeStore(TimeProvider time, TimeSpan? lifetime = null, int capacity = 10_000)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        _lifetime = lifetime ?? TimeSpan.FromMinutes(2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_lifetime, TimeSpan.Zero, nameof(lifetime));
        _capacity = capacity;
    }

    /// <summary>How many nonces are outstanding (expired ones included until purged).</summary>
    public int Count => _outstanding.Count;

    /// <summary>A fresh nonce, or null when too many are outstanding (the caller should answer "try again").</summary>
    public ChallengeResponse? TryIssue()
    {
        if (_outstanding.Count >= _capacity)
        {
            PurgeExpired();
            if (_outstanding.Count >= _capacity)
            {
                return null;
            }
        }

        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(NonceLength));
        var expiresAt = _time.GetUtcNow() + _lifetime;
        _outstanding[nonce] = expiresAt;
        return new ChallengeResponse(nonce, expiresAt);
    }

    /// <inheritdoc />
    public bool TryConsume(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != NonceLength)
        {
            return false;
        }

        return _outstanding.TryRemove(Convert.ToBase64String(nonce), out var expiresAt) && _time.GetUtcNow() < expiresAt;
    }

    private void PurgeExpired()
    {
        var now = _time.GetUtcNow();
        foreach (var (nonce, expiresAt) in _outstanding)
        {
            if (now >= expiresAt)
            {
                _outstanding.TryRemove(nonce, out _);
            }
        }
    }
}
