using IdentityIssuer.Agent.WorkloadApi;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

/// <summary>The <c>WorkloadApi</c> section is checked at start; every problem is named at once.</summary>
public sealed class WorkloadApiOptionsValidatorTests
{
    private readonly WorkloadApiOptionsValidator _validator = new();

    [Fact]
    public void Defaults_AreValid_AndBoundConnectionsAndIdleTime()
    {
        var defaults = new WorkloadApiOptions();

        var result = _validator.Validate(null, defaults);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(256, defaults.MaxConnectionsPerUid);
        Assert.Equal(4096, defaults.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.IdleConnectionTimeout);
    }

    [Fact]
    public void ConnectionBoundsAndIdleTimeoutOutOfRange_AreAllReported_NamingEachKey()
    {
        var options = new WorkloadApiOptions { MaxConnectionsPerUid = 0, MaxConnections = 2_000_000, IdleConnectionTimeout = TimeSpan.Zero };

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(3, failures.Count);
        Assert.Contains("WorkloadApi:MaxConnectionsPerUid must be between 1 and 1000000", failures);
        Assert.Contains("WorkloadApi:MaxConnections must be between 1 and 1000000", failures);
        Assert.Contains("WorkloadApi:IdleConnectionTimeout must be between 00:00:01 and 00:10:00", failures);
    }

    [Theory]
    [InlineData("00:00:00.500")]
    [InlineData("00:10:01")]
    [InlineData("-00:00:05")]
    public void IdleConnectionTimeout_OutsideOneSecondToTenMinutes_IsRejected(string timeout)
    {
        var options = new WorkloadApiOptions { IdleConnectionTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) };

        var result = _validator.Validate(null, options);

        Assert.Contains(result.Failures ?? [], f => f.StartsWith("WorkloadApi:IdleConnectionTimeout", StringComparison.Ordinal));
    }
}
