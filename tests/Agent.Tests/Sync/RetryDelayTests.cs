using IdentityIssuer.Agent.Sync;

namespace IdentityIssuer.Agent.Tests.Sync;

public sealed class RetryDelayTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Fact]
    public void Next_IssuerUnavailable_NeverWaitsLongerThanTheSyncInterval()
    {
        var delay = Interval;
        for (var i = 0; i < 10; i++)
        {
            delay = RetryDelay.Next(delay, Interval, issuerUnavailable: true);
            Assert.Equal(Interval, delay);
        }

        // Even after a long back-off for another failure, an unavailable issuer is tried every interval.
        Assert.Equal(Interval, RetryDelay.Next(TimeSpan.FromSeconds(30), Interval, issuerUnavailable: true));
    }

    [Fact]
    public void Next_OtherFailures_DoubleUpToThirtySeconds()
    {
        var delays = new List<TimeSpan>();
        var delay = Interval;
        for (var i = 0; i < 5; i++)
        {
            delay = RetryDelay.Next(delay, Interval, issuerUnavailable: false);
            delays.Add(delay);
        }

        Assert.Equal([10, 20, 30, 30, 30], delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public void Next_SyncIntervalLongerThanTheBackoffCap_BacksOffToTheInterval()
    {
        var interval = TimeSpan.FromMinutes(2);

        Assert.Equal(interval, RetryDelay.Next(interval, interval, issuerUnavailable: false));
        Assert.Equal(interval, RetryDelay.Next(interval, interval, issuerUnavailable: true));
    }
}
