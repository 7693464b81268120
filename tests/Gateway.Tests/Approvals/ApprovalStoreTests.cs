using IdentityIssuer.Gateway.Approvals;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Mapping;
using Microsoft.Extensions.Time.Testing;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Gateway.Tests.Approvals;

public sealed class ApprovalStoreTests
{
    private const string Caller = "spiffe://example.org/agents/ops";
    private static readonly ToolCall Deploy = new("deploy", "run", "billing");
    private static readonly ApprovalCallDetails Version1 = Rest("""{"version":1}""");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ApprovalStore _store;

    public ApprovalStoreTests() => _store = new ApprovalStore(new ApprovalOptions { Ttl = TimeSpan.FromMinutes(5), PendingTtl = TimeSpan.FromHours(1), MaxPendingPerCaller = 3 }, _clock);

    private static ApprovalCallDetails Rest(string body, string query = "")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/deploy/billing";
        context.Request.QueryString = new QueryString(query);
        return ApprovalCallDetails.ForRest(context.Request, System.Text.Encoding.UTF8.GetBytes(body));
    }

    private Approval Request(string caller, ToolCall call, ApprovalCallDetails details)
    {
        var (approval, error) = _store.Request(caller, call, details);
        Assert.True(approval is not null, error);
        return approval;
    }

    [Fact]
    public void ApprovedCall_PassesOnce_ThenNeedsANewApproval()
    {
        var request = Request(Caller, Deploy, Version1);
        Assert.Null(_store.TryConsume(Caller, Deploy, Version1));
        var (approved, error) = _store.Approve(request.Id, null);
        Assert.Equal(string.Empty, error);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromMinutes(5), approved!.ExpiresAt);

        Assert.Equal(request.Id, _store.TryConsume(Caller, Deploy, Version1)!.Id);
        Assert.Null(_store.TryConsume(Caller, Deploy, Version1));
        Assert.NotEqual(request.Id, Request(Caller, Deploy, Version1).Id);
    }

    [Fact]
    public void Approval_IsBoundToCallerToolActionTargetAndTheWholeCall()
    {
        _store.Approve(Request(Caller, Deploy, Version1).Id, null);
        Assert.Null(_store.TryConsume("spiffe://example.org/agents/other", Deploy, Version1));
        Assert.Null(_store.TryConsume(Caller, Deploy with { Target = "payments" }, Version1));
        Assert.Null(_store.TryConsume(Caller, Deploy with { Action = "rollback" }, Version1));
        Assert.Null(_store.TryConsume(Caller, Deploy, Rest("""{"version":2}""")));
        Assert.Null(_store.TryConsume(Caller, Deploy, Rest("""{"version":1}""", "?force=true")));
        Assert.NotNull(_store.TryConsume(Caller, Deploy, Rest("""{"version":1}""")));
    }

    [Fact]
    public void Details_ShowTheQueryAndBodySize_AndTruncateLongText()
    {
        var details = Rest("""{"version":1}""", "?q=" + new string('x', 600));
        Assert.Equal("13 bytes, sha256 " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("""{"version":1}"""u8)), details.Body);
        Assert.StartsWith("?q=xxx", details.Query, StringComparison.Ordinal);
        Assert.EndsWith("… (truncated, 603 chars)", details.Query, StringComparison.Ordinal);
        Assert.Equal(64, details.Digest.Length);
    }

    [Fact]
    public void Approval_ExpiresAfterItsTtl()
    {
        _store.Approve(Request(Caller, Deploy, Version1).Id, TimeSpan.FromSeconds(30));
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(_store.TryConsume(Caller, Deploy, Version1));
        Assert.Empty(_store.List());
    }

    [Fact]
    public void ApprovalWithALongerTtlThanThePendingTtl_OutlivesTheRequestsExpiry()
    {
        _clock.Advance(TimeSpan.FromMinutes(50));
        var id = Request(Caller, Deploy, Version1).Id;
        _store.Approve(id, TimeSpan.FromHours(2));
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(id, _store.TryConsume(Caller, Deploy, Version1)!.Id);
    }

    [Fact]
    public void RepeatedCall_ReusesThePendingRequest_UntilItExpires()
    {
        var first = Request(Caller, Deploy, Version1);
        Assert.Equal(first.Id, Request(Caller, Deploy, Version1).Id);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.NotEqual(first.Id, Request(Caller, Deploy, Version1).Id);
    }

    [Fact]
    public void PendingRequests_AreBoundedPerCaller_AndFreedByDecisionsAndExpiry()
    {
        var ids = Enumerable.Range(1, 3).Select(v => Request(Caller, Deploy, Rest($$"""{"version":{{v}}}""")).Id).ToList();
        var (refused, error) = _store.Request(Caller, Deploy, Rest("""{"version":4}"""));
        Assert.Null(refused);
        Assert.Contains("already has 3 pending approval requests (Approvals:MaxPendingPerCaller)", error, StringComparison.Ordinal);

        // Another caller has its own bound, and a request already pending is still found.
        Assert.NotNull(_store.Request("spiffe://example.org/agents/other", Deploy, Version1).Approval);
        Assert.Equal(ids[0], _store.Request(Caller, Deploy, Version1).Approval!.Id);

        // A decision frees a place (an approved request is no longer pending), and so does expiry.
        _store.Approve(ids[0], null);
        _store.Deny(ids[1]);
        Assert.NotNull(_store.Request(Caller, Deploy, Rest("""{"version":4}""")).Approval);
        Assert.NotNull(_store.Request(Caller, Deploy, Rest("""{"version":5}""")).Approval);
        Assert.Null(_store.Request(Caller, Deploy, Rest("""{"version":6}""")).Approval);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.NotNull(_store.Request(Caller, Deploy, Rest("""{"version":6}""")).Approval);
    }

    [Fact]
    public void Denied_CannotBeApprovedOrConsumed()
    {
        var request = Request(Caller, Deploy, Version1);
        Assert.NotNull(_store.Deny(request.Id).Approval);
        Assert.Null(_store.Approve(request.Id, null).Approval);
        Assert.Null(_store.TryConsume(Caller, Deploy, Version1));
    }

    [Fact]
    public void ApprovingTwice_IsRefused()
    {
        var request = Request(Caller, Deploy, Version1);
        _store.Approve(request.Id, null);
        var (again, error) = _store.Approve(request.Id, null);
        Assert.Null(again);
        Assert.Contains("already approved", error, StringComparison.Ordinal);
    }
}
