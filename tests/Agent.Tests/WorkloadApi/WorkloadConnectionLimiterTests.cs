using IdentityIssuer.Agent.Tests.Support;
using IdentityIssuer.Agent.WorkloadApi;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

/// <summary>The bounds on Workload API connections per caller uid and in total, and how refusals are logged.</summary>
public sealed class WorkloadConnectionLimiterTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CapturedLogs _logs = new();
    private readonly ILoggerFactory _loggers;

    public WorkloadConnectionLimiterTests() =>
        _loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(_logs));

    [Fact]
    public void ConnectionOverThePerUidBound_IsRefused_WhileAnotherUidGetsAPlace_AndAClosedOneFreesItsPlace()
    {
        var limiter = Limiter(perUid: 2, total: 10);
        var first = limiter.TryEnter(1000);
        using var second = limiter.TryEnter(1000);

        var third = limiter.TryEnter(1000);
        using var otherUid = limiter.TryEnter(65534);
        first!.Dispose();
        first.Dispose();
        using var afterClose = limiter.TryEnter(1000);
        var againOverBound = limiter.TryEnter(1000);

        Assert.NotNull(second);
        Assert.Null(third);
        Assert.NotNull(otherUid);
        Assert.NotNull(afterClose);
        Assert.Null(againOverBound);
        Assert.Equal(3, limiter.Open);
        Assert.Equal(2, limiter.Refused);
    }

    [Fact]
    public void ConnectionOverTheTotalBound_IsRefusedForEveryUid_AndTheWarningNamesMaxConnections()
    {
        var limiter = Limiter(perUid: 5, total: 2);
        using var one = limiter.TryEnter(1);
        using var two = limiter.TryEnter(2);

        var three = limiter.TryEnter(3);

        Assert.Null(three);
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("WorkloadApi:MaxConnections)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("uid 3", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ManyRefusals_AreOneWarningNamingTheSetting_ThenOneSummaryAfterTheInterval()
    {
        var limiter = Limiter(perUid: 1, total: 10);
        using var held = limiter.TryEnter(1000);

        for (var i = 0; i < 500; i++)
        {
            Assert.Null(limiter.TryEnter(1000));
        }

        var duringFlood = _logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        _clock.Advance(WorkloadConnectionLimiter.WarningInterval);
        Assert.Null(limiter.TryEnter(1000));
        var afterInterval = _logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();

        var first = Assert.Single(duringFlood);
        Assert.Contains("uid 1000 already holds 1 connections", first.Message, StringComparison.Ordinal);
        Assert.Contains("(WorkloadApi:MaxConnectionsPerUid)", first.Message, StringComparison.Ordinal);
        Assert.Contains("; 1 connection(s) refused", first.Message, StringComparison.Ordinal);
        Assert.Equal(2, afterInterval.Count);
        Assert.Contains("; 500 connection(s) refused", afterInterval[1].Message, StringComparison.Ordinal);
        Assert.Equal(501, limiter.Refused);
    }

    public void Dispose()
    {
        _loggers.Dispose();
        _logs.Dispose();
    }

    private WorkloadConnectionLimiter Limiter(int perUid, int total) =>
        new(
            Options.Create(new WorkloadApiOptions { MaxConnectionsPerUid = perUid, MaxConnections = total }),
            _clock,
            _loggers.CreateLogger<WorkloadConnectionLimiter>());
}
