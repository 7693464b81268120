using System.Net;
using IdentityIssuer.Agent.Issuer;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityIssuer.Agent.Tests.Issuer;

public sealed class IssuerFailoverTests
{
    private static readonly Uri A = new("https://issuer-a.example:8081");
    private static readonly Uri B = new("https://issuer-b.example:8081");
    private static readonly Uri C = new("https://issuer-c.example:8081");

    private readonly IssuerFailover _failover = new([A, B, C], NullLogger.Instance);
    private readonly List<Uri> _called = [];

    [Theory]
    [InlineData(null)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task CallAsync_FirstUnavailable_TriesTheNextAtOnce_AndSticksToTheOneThatAnswered(HttpStatusCode? failure)
    {
        var first = await _failover.CallAsync(Answer(down: [A], failure), CancellationToken.None);

        Assert.Equal(B, first);
        Assert.Equal([A, B], _called);
        Assert.Equal(B, _failover.Current);

        _called.Clear();
        var second = await _failover.CallAsync(Answer(down: [], failure), CancellationToken.None);

        Assert.Equal(B, second);
        Assert.Equal([B], _called);
    }

    [Fact]
    public async Task CallAsync_WrapsAroundInConfiguredOrder()
    {
        await _failover.CallAsync(Answer(down: [A, B]), CancellationToken.None);
        Assert.Equal(C, _failover.Current);

        _called.Clear();
        var answered = await _failover.CallAsync(Answer(down: [C]), CancellationToken.None);

        Assert.Equal(A, answered);
        Assert.Equal([C, A], _called);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task CallAsync_AnIssuerThatAnswersWithAnError_IsNotFailedOver(HttpStatusCode status)
    {
        var ex = await Assert.ThrowsAsync<IssuerCallException>(() => _failover.CallAsync(Answer(down: [A], status), CancellationToken.None));

        Assert.Equal(status, ex.Status);
        Assert.Equal([A], _called);
        Assert.Equal(A, _failover.Current);
    }

    [Fact]
    public async Task CallAsync_NoneAvailable_TriesEachOnce_AndThrowsTheLastFailure()
    {
        var ex = await Assert.ThrowsAsync<IssuerCallException>(() => _failover.CallAsync(Answer(down: [A, B, C]), CancellationToken.None));

        Assert.True(ex.IsUnavailable);
        Assert.Contains(C.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Equal([A, B, C], _called);
        Assert.Equal(A, _failover.Current);
    }

    private Func<Uri, CancellationToken, Task<Uri>> Answer(IReadOnlyCollection<Uri> down, HttpStatusCode? failure = null) =>
        (address, _) =>
        {
            _called.Add(address);
            return down.Contains(address)
                ? throw new IssuerCallException(failure, $"{address} is down")
                : Task.FromResult(address);
        };
}
