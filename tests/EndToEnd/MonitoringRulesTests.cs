using IdentityIssuer.EndToEnd.Support;
using IdentityIssuer.Tests.Common;

namespace IdentityIssuer.EndToEnd;

/// <summary>The alert rules shipped in deploy/prometheus, judged by promtool: they load, and each alert's unit test passes.</summary>
public sealed class MonitoringRulesTests
{
    private static readonly string Rules = Path.Combine(RepositoryPaths.Root, "deploy", "prometheus", "identity-issuer.rules.yml");
    private static readonly string RuleTests = Path.Combine(RepositoryPaths.Root, "deploy", "prometheus", "identity-issuer.rules.test.yml");

    [Fact]
    public async Task AlertRules_PassPromtoolCheck()
    {
        var result = (await Promtool.CheckRulesAsync(Rules)).ShouldSucceed();

        Assert.Contains("SUCCESS", result.StdOut + result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertRuleUnitTests_PassPromtool_AndCoverEveryAlert()
    {
        var result = (await Promtool.TestRulesAsync(RuleTests)).ShouldSucceed();
        Assert.Contains("SUCCESS", result.StdOut + result.StdErr, StringComparison.Ordinal);

        // Every alert of the rules file has a test that expects it to fire.
        var rules = await File.ReadAllTextAsync(Rules);
        var tests = await File.ReadAllTextAsync(RuleTests);
        var alerts = System.Text.RegularExpressions.Regex.Matches(rules, @"- alert: (\w+)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(6, alerts.Count);
        foreach (var alert in alerts)
        {
            Assert.Contains("alertname: " + alert, tests, StringComparison.Ordinal);
        }
    }
}
