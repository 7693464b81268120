using IdentityIssuer.Gateway.Policy;
using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Gateway.Tests.Policy;

public sealed class PolicyParserTests
{
    internal const string Sample = """
        {
          "tools": {
            "search": { "risk": "read" },
            "tickets": { "risk": "mutate" },
            "deploy": { "risk": "high-risk" }
          },
          "rules": [
            { "name": "research-search", "spiffeId": "spiffe://example.org/agents/research/*", "tools": ["search"], "actions": ["query"], "targets": ["docs/*", "wiki"] },
            { "name": "ops-all", "spiffeId": "spiffe://example.org/ops", "tools": ["*"], "actions": ["**"], "targets": ["**"] }
          ]
        }
        """;

    private static readonly SpiffeId Research = SpiffeId.Parse("spiffe://example.org/agents/research/a1");

    private static ToolPolicy Parse(string json)
    {
        Assert.True(PolicyParser.TryParse(json, out var policy, out var errors), string.Join("\n", errors));
        return policy!;
    }

    [Fact]
    public void TryParse_WithManyProblems_ReportsEveryOneWithItsPlace()
    {
        const string json = """
            {
              "tools": { "search": { "risk": "low" }, "bad name!": { "risk": "read" }, "ok": {} },
              "rules": [
                { "name": "a", "spiffeId": "spiffe://Example.org/x", "tools": ["nope"], "actions": [], "targets": ["**"] },
                { "name": "a", "spiffeId": "spiffe://example.org", "tools": ["ok"], "actions": ["x"], "targets": [""], "extra": 1 },
                "not an object"
              ],
              "other": true
            }
            """;

        Assert.False(PolicyParser.TryParse(json, out var policy, out var errors));
        Assert.Null(policy);
        var all = string.Join("\n", errors);
        Assert.Contains("other: unknown key", all, StringComparison.Ordinal);
        Assert.Contains("tools.search.risk: 'low' is not a risk tier", all, StringComparison.Ordinal);
        Assert.Contains("tools.bad name!: a tool name is", all, StringComparison.Ordinal);
        Assert.Contains("tools.ok.risk: required", all, StringComparison.Ordinal);
        Assert.Contains("rules[0].spiffeId:", all, StringComparison.Ordinal);
        Assert.Contains("rules[0].tools: 'nope' is not declared", all, StringComparison.Ordinal);
        Assert.Contains("rules[0].actions: required", all, StringComparison.Ordinal);
        Assert.Contains("rules[1].name: 'a' is used by an earlier rule", all, StringComparison.Ordinal);
        Assert.Contains("rules[1].spiffeId: 'spiffe://example.org' is a trust domain ID", all, StringComparison.Ordinal);
        Assert.Contains("rules[1].targets[0]: must be a non-empty string", all, StringComparison.Ordinal);
        Assert.Contains("rules[1].extra: unknown key", all, StringComparison.Ordinal);
        Assert.Contains("rules[2]: must be an object", all, StringComparison.Ordinal);
        Assert.Equal(12, errors.Count);
    }

    [Fact]
    public void TryParse_NotJson_SaysSo()
    {
        Assert.False(PolicyParser.TryParse("{ tools: ", out _, out var errors));
        Assert.StartsWith("not valid JSON", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Authorize_MatchingRule_AllowsAndNamesTheRuleAndTier()
    {
        var decision = Parse(Sample).Authorize(Research, "search", "query", "docs/api");
        Assert.True(decision.IsAllowed);
        Assert.Equal("research-search", decision.Rule);
        Assert.Equal(RiskTier.Read, decision.Risk);
    }

    [Theory]
    [InlineData("spiffe://example.org/agents/research/a1", "search", "query", "docs/api/v2")] // * stops at /
    [InlineData("spiffe://example.org/agents/research/a1", "search", "delete", "docs/api")]
    [InlineData("spiffe://example.org/agents/research/a1", "tickets", "query", "docs/api")]
    [InlineData("spiffe://example.org/agents/research", "search", "query", "wiki")] // the prefix itself is not below it
    [InlineData("spiffe://example.org/agents/research-x/a", "search", "query", "wiki")] // segment boundary
    [InlineData("spiffe://other.org/agents/research/a1", "search", "query", "wiki")] // another trust domain
    [InlineData("spiffe://example.org/ops/sub", "deploy", "run", "prod")] // exact ID only
    public void Authorize_WithoutAMatchingRule_DeniesByDefault(string caller, string tool, string action, string target)
    {
        var decision = Parse(Sample).Authorize(SpiffeId.Parse(caller), tool, action, target);
        Assert.False(decision.IsAllowed);
        Assert.Empty(decision.Rule);
        Assert.Contains("no rule allows", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorize_UnknownTool_Denies()
    {
        var decision = Parse(Sample).Authorize(SpiffeId.Parse("spiffe://example.org/ops"), "rm", "run", "x");
        Assert.False(decision.IsAllowed);
        Assert.Equal("unknown tool 'rm'", decision.Reason);
    }

    [Fact]
    public void Authorize_DeepPrefixAndWildcardRule_Allow()
    {
        var policy = Parse(Sample);
        Assert.True(policy.Authorize(SpiffeId.Parse("spiffe://example.org/agents/research/team/a"), "search", "query", "wiki").IsAllowed);
        var deploy = policy.Authorize(SpiffeId.Parse("spiffe://example.org/ops"), "deploy", "run", "prod/eu-1");
        Assert.True(deploy.IsAllowed);
        Assert.Equal(RiskTier.HighRisk, deploy.Risk);
    }

    [Fact]
    public void CallableTools_ListsOnlyToolsARuleGrantsTheCallerForTheAction()
    {
        var policy = Parse(Sample);
        Assert.Equal(["search"], policy.CallableTools(Research, "query").Order());
        Assert.Empty(policy.CallableTools(Research, "call"));
        Assert.Equal(["deploy", "search", "tickets"], policy.CallableTools(SpiffeId.Parse("spiffe://example.org/ops"), "call").Order());
        Assert.Empty(policy.CallableTools(SpiffeId.Parse("spiffe://example.org/nobody"), "call"));
    }

    [Theory]
    [InlineData("docs/../hr")]
    [InlineData("docs/./a")]
    [InlineData("docs/a/..")]
    [InlineData("..")]
    public void Authorize_TargetWithDotSegments_IsDenied_EvenByADoubleStarRule(string target)
    {
        var policy = Parse(PolicyParserTests.Sample.Replace("\"docs/*\", \"wiki\"", "\"docs/**\", \"wiki\"", StringComparison.Ordinal));
        var research = policy.Authorize(Research, "search", "query", target);
        Assert.False(research.IsAllowed);
        Assert.Contains("'.' or '..' segment", research.Reason, StringComparison.Ordinal);
        Assert.False(policy.Authorize(SpiffeId.Parse("spiffe://example.org/ops"), "search", "query", target).IsAllowed);
    }

    [Fact]
    public void Authorize_DotsInsideASegment_AreOrdinaryCharacters() =>
        Assert.True(Parse(PolicyParserTests.Sample.Replace("\"docs/*\"", "\"docs/**\"", StringComparison.Ordinal)).Authorize(Research, "search", "query", "docs/v1..v2/.profile").IsAllowed);
}
