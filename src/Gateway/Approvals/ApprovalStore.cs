using System.Security.Cryptography;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Mapping;

namespace IdentityIssuer.Gateway.Approvals;

/// <summary>
/// Approvals of high-risk calls, in memory (a restart drops them: nothing is approved by default).
/// The first call creates a pending request; an operator approves or denies it; an approval is bound
/// to caller, tool, action and target, expires after <see cref="ApprovalOptions.Ttl"/> and is consumed
/// by the first matching call.
/// </summary>
internal sealed class ApprovalStore(ApprovalOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Approval> _approvals = new(StringComparer.Ordinal);

    /// <summary>The pending request for this call, created when there is none.</summary>
    public Approval Request(string caller, ToolCall call)
    {
        lock (_lock)
        {
            Prune();
            var existing = _approvals.Values.FirstOrDefault(a => a.State == ApprovalState.Pending && a.Matches(caller, call));
            if (existing is not null)
            {
                return existing;
            }

            var now = time.GetUtcNow();
            var approval = new Approval(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), caller, call, now, now + options.PendingTtl);
            _approvals[approval.Id] = approval;
            return approval;
        }
    }

    /// <summary>Consumes an approval granted for exactly this call; returns it, or null when there is none.</summary>
    public Approval? TryConsume(string caller, ToolCall call)
    {
        lock (_lock)
        {
            Prune();
            var granted = _approvals.Values.FirstOrDefault(a => a.State == ApprovalState.Approved && a.Matches(caller, call));
            if (granted is null)
            {
                return null;
            }

            _approvals.Remove(granted.Id);
            return granted with { State = ApprovalState.Consumed };
        }
    }

    public IReadOnlyList<Approval> List()
    {
        lock (_lock)
        {
            Prune();
            return [.. _approvals.Values.OrderBy(a => a.RequestedAt)];
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
            if (!_approvals.TryGetValue(id, out var approval))
            {
                return (null, $"no pending approval request '{id}' (unknown, expired or already used)");
            }

            if (approval.State != ApprovalState.Pending)
            {
                return (null, $"approval request '{id}' is already {approval.StateName}");
            }

            if (state == ApprovalState.Denied)
            {
                _approvals.Remove(id);
                return (approval with { State = state }, string.Empty);
            }

            var decided = approval with { State = state, ExpiresAt = time.GetUtcNow() + ttl };
            _approvals[id] = decided;
            return (decided, string.Empty);
        }
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var expired in _approvals.Values.Where(a => a.ExpiresAt <= now).Select(a => a.Id).ToList())
        {
            _approvals.Remove(expired);
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
internal sealed record Approval(string Id, string Caller, ToolCall Call, DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt)
{
    public ApprovalState State { get; init; } = ApprovalState.Pending;

    public string StateName => State.ToString().ToLowerInvariant();

    public bool Matches(string caller, ToolCall call) => string.Equals(Caller, caller, StringComparison.Ordinal) && Call == call;
}
