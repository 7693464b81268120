using IdentityIssuer.Gateway.Approvals;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Mapping;
using IdentityIssuer.Tests.Common.Time;

namespace IdentityIssuer.Gateway.Tests.Approvals;

public sealed class ApprovalStoreTests
{
    private const string Caller = "spiffe://example.org/agents/ops";
    private static readonly ToolCall Deploy = new("deploy", "run", "billing");
    private readonly FakeClock _clock = new();
    private readonly ApprovalStore _store;

    public ApprovalStoreTests() => _store = new ApprovalStore(new ApprovalOptions { Ttl = TimeSpan.FromMinutes(5), PendingTtl = TimeSpan.FromHours(1) }, _clock);

    [Fact]
    public void ApprovedCall_PassesOnce_ThenNeedsANewApproval()
    {
        var request = _store.Request(Caller, Deploy);
        Assert.Null(_store.TryConsume(Caller, Deploy));
        var (approved, error) = _store.Approve(request.Id, null);
        Assert.Equal(string.Empty, error);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromMinutes(5), approved!.ExpiresAt);

        Assert.Equal(request.Id, _store.TryConsume(Caller, Deploy)!.Id);
        Assert.Null(_store.TryConsume(Caller, Deploy));
        Assert.NotEqual(request.Id, _store.Request(Caller, Deploy).Id);
    }

    [Fact]
    public void Approval_IsBoundToCallerToolActionAndTarget()
    {
        _store.Approve(_store.Request(Caller, Deploy).Id, null);
        Assert.Null(_store.TryConsume("spiffe://example.org/agents/other", Deploy));
        Assert.Null(_store.TryConsume(Caller, Deploy with { Target = "payments" }));
        Assert.Null(_store.TryConsume(Caller, Deploy with { Action = "rollback" }));
        Assert.NotNull(_store.TryConsume(Caller, Deploy));
    }

    [Fact]
    public void Approval_ExpiresAfterItsTtl()
    {
        _store.Approve(_store.Request(Caller, Deploy).Id, TimeSpan.FromSeconds(30));
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(_store.TryConsume(Caller, Deploy));
        Assert.Empty(_store.List());
    }

    [Fact]
    public void RepeatedCall_ReusesThePendingRequest_UntilItExpires()
    {
        var first = _store.Request(Caller, Deploy);
        Assert.Equal(first.Id, _store.Request(Caller, Deploy).Id);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.NotEqual(first.Id, _store.Request(Caller, Deploy).Id);
    }

    [Fact]
    public void Denied_CannotBeApprovedOrConsumed()
    {
        var request = _store.Request(Caller, Deploy);
        Assert.NotNull(_store.Deny(request.Id).Approval);
        Assert.Null(_store.Approve(request.Id, null).Approval);
        Assert.Null(_store.TryConsume(Caller, Deploy));
    }

    [Fact]
    public void ApprovingTwice_IsRefused()
    {
        var request = _store.Request(Caller, Deploy);
        _store.Approve(request.Id, null);
        var (again, error) = _store.Approve(request.Id, null);
        Assert.Null(again);
        Assert.Contains("already approved", error, StringComparison.Ordinal);
    }
}
