using System.Security.Cryptography;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Mapping;

namespace IdentityIssuer.Gateway.Approvals;

/// <summary>
/// Approvals of high-risk calls, in memory (a restart drops them: nothing is approved by default).
/// The first call creates a pending request; an operator approves or denies it; an approval is bound
/// to caller, tool, action, target and the digest of the whole call (<see cref="ApprovalCallDetails"/>),
/// expires after <see cref="ApprovalOptions.Ttl"/> and is consumed by the first matching call. Each
/// caller has at most <see cref="ApprovalOptions.MaxPendingPerCaller"/> pending requests. Requests are
/// indexed by id and by call, and expire through a queue ordered by expiry: no operation scans them all.
/// </summary>
internal sealed class ApprovalStore(ApprovalOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Approval> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<ApprovalKey, string> _byCall = [];
    private readonly Dictionary<string, int> _pendingPerCaller = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _expiries = new();

    /// <summary>
    /// The pending request for this call, created when there is none; an error instead when the caller
    /// already has <see cref="ApprovalOptions.MaxPendingPerCaller"/> pending requests.
    /// </summary>
    public (Approval? Approval, string Error) Request(string caller, ToolCall call, ApprovalCallDetails details)
    {
        lock (_lock)
        {
            Prune();
            if (_byCall.TryGetValue(new ApprovalKey(caller, call, details.Digest), out var id) && _byId[id] is { State: ApprovalState.Pending } existing)
            {
                return (existing, string.Empty);
            }

            if (_pendingPerCaller.GetValueOrDefault(caller) >= options.MaxPendingPerCaller)
            {
                return (null, $"{caller} already has {options.MaxPendingPerCaller} pending approval requests (Approvals:MaxPendingPerCaller); wait until they are decided or expire");
            }

            var now = time.GetUtcNow();
            var approval = new Approval(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), caller, call, details, now, now + options.PendingTtl);
            _byId[approval.Id] = approval;
            _byCall[approval.Key] = approval.Id;
            _pendingPerCaller[caller] = _pendingPerCaller.GetValueOrDefault(caller) + 1;
            _expiries.Enqueue(approval.Id, approval.ExpiresAt);
            return (approval, string.Empty);
        }
    }

    /// <summary>Consumes an approval granted for exactly this call; returns it, or null when there is none.</summary>
    public Approval? TryConsume(string caller, ToolCall call, ApprovalCallDetails details)
    {
        lock (_lock)
        {
            Prune();
            if (!_byCall.TryGetValue(new ApprovalKey(caller, call, details.Digest), out var id) || _byId[id] is not { State: ApprovalState.Approved } granted)
            {
                return null;
            }

            Remove(granted);
            return granted with { State = ApprovalState.Consumed };
        }
    }

    public IReadOnlyList<Approval> List()
    {
        lock (_lock)
        {
            Prune();
            return [.. _byId.Values.OrderBy(a => a.RequestedAt)];
        }
    }

    /// <summary>Approves a pending request for <paramref name="ttl"/> (default: the configured TTL).</summary>
    public (Approval? Approval, string Error) Approve(string id, TimeSpan? ttl) => Decide(id, ApprovalState.Approved, ttl ?? options.Ttl);

    public (Approval? Approval, string Error) Deny(string id) => Decide(id, ApprovalState.Denied, TimeSpan.Zero);

    private (Approval? Approval, string Error) Decide(string id, ApprovalState state, TimeSpan ttl)
    {
        lock (_lock)
        {
            Prune();
            if (!_byId.TryGetValue(id, out var approval))
            {
                return (null, $"no pending approval request '{id}' (unknown, expired or already used)");
            }

            if (approval.State != ApprovalState.Pending)
            {
                return (null, $"approval request '{id}' is already {approval.StateName}");
            }

            Remove(approval);
            if (state == ApprovalState.Denied)
            {
                return (approval with { State = state }, string.Empty);
            }

            var decided = approval with { State = state, ExpiresAt = time.GetUtcNow() + ttl };
            _byId[id] = decided;
            _byCall[decided.Key] = id;
            _expiries.Enqueue(id, decided.ExpiresAt);
            return (decided, string.Empty);
        }
    }

    /// <summary>Drops what expired, oldest first; a queue entry left by an earlier expiry of a decided request is skipped.</summary>
    private void Prune()
    {
        var now = time.GetUtcNow();
        while (_expiries.TryPeek(out var id, out var at) && at <= now)
        {
            _expiries.Dequeue();
            if (_byId.TryGetValue(id, out var approval) && approval.ExpiresAt <= now)
            {
                Remove(approval);
            }
        }
    }

    private void Remove(Approval approval)
    {
        _byId.Remove(approval.Id);
        if (_byCall.TryGetValue(approval.Key, out var id) && id == approval.Id)
        {
            _byCall.Remove(approval.Key);
        }

        if (approval.State == ApprovalState.Pending)
        {
            var left = _pendingPerCaller[approval.Caller] - 1;
            if (left == 0)
            {
                _pendingPerCaller.Remove(approval.Caller);
            }
            else
            {
                _pendingPerCaller[approval.Caller] = left;
            }
        }
    }
}

internal enum ApprovalState
{
    Unspecified = 0,
    Pending,
    Approved,
    Denied,
    Consumed,
}

/// <summary>One approval request and, once decided, its grant.</summary>
internal sealed record Approval(string Id, string Caller, ToolCall Call, ApprovalCallDetails Details, DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt)
{
    public ApprovalState State { get; init; } = ApprovalState.Pending;

    public string StateName => State.ToString().ToLowerInvariant();

    internal ApprovalKey Key => new(Caller, Call, Details.Digest);
}

/// <summary>The call an approval is for: who, which tool call, and the digest of the whole request.</summary>
internal readonly record struct ApprovalKey(string Caller, ToolCall Call, string Digest);
