using IdentityIssuer.Gateway.Policy;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Tests.Common;

namespace IdentityIssuer.Gateway.Tests.Policy;

/// <summary>YAML policies: the same validation as JSON, every problem at once, each naming its line and column.</summary>
public sealed class YamlPolicyTests
{
    /// <summary><see cref="PolicyParserTests.Sample"/> in YAML.</summary>
    internal const string Sample = """
        tools:
          search: { risk: read }
          tickets:
            risk: mutate
          deploy:
            risk: high-risk
        rules:
          - name: research-search
            spiffeId: "spiffe://example.org/agents/research/*"
            tools: [search]
            actions: [query]
            targets: ["docs/*", wiki]
          - name: ops-all
            spiffeId: spiffe://example.org/ops
            tools: ["*"]
            actions: ["**"]
            targets: ["**"]
        """;

    private static IReadOnlyList<string> Refused(string yaml)
    {
        Assert.False(PolicyParser.TryParse(yaml, PolicyFormat.Yaml, out var policy, out var errors));
        Assert.Null(policy);
        return errors;
    }

    [Fact]
    public void TryParse_YamlWithThreeMistakes_RefusesWithAllThree_EachWithItsLine()
    {
        const string yaml = """
            tools:
              search:
                risk: read
              deploy:
                risk: hgh
            rules:
              - name: research
                spiffeId: spiffe://example.org/agents/research/r1
                tools: [search, ghost]
                actions: [query]
                targets: [docs]
                actions: [call]
            """;

        var errors = Refused(yaml);
        Assert.Equal(
            [
                "line 5, column 11: tools.deploy.risk: 'hgh' is not a risk tier; one of read, mutate, high-risk",
                "line 9, column 12: rules[0].tools: 'ghost' is not declared under \"tools\"",
                "line 12, column 5: rules[0].actions: duplicate key; each key may appear once",
            ],
            errors);
    }

    [Fact]
    public void TryParse_TheYamlAndJsonSamples_DescribeTheSamePolicy()
    {
        var deploy = Path.Combine(RepositoryPaths.Root, "deploy");
        var fromJson = Parse(File.ReadAllText(Path.Combine(deploy, "policy.sample.json")), PolicyFormat.Json);
        var fromYaml = Parse(File.ReadAllText(Path.Combine(deploy, "policy.sample.yaml")), PolicyFormat.Yaml);
        Assert.Equal(Describe(fromJson), Describe(fromYaml));
        Assert.Equal(3, fromYaml.Rules.Count);

        // The test samples too, and they decide alike.
        var json = Parse(PolicyParserTests.Sample, PolicyFormat.Json);
        var yaml = Parse(Sample, PolicyFormat.Yaml);
        Assert.Equal(Describe(json), Describe(yaml));
        var research = SpiffeId.Parse("spiffe://example.org/agents/research/a1");
        var allowed = yaml.Authorize(research, "search", "query", "docs/api");
        Assert.True(allowed.IsAllowed);
        Assert.Equal("research-search", allowed.Rule);
        Assert.False(yaml.Authorize(research, "search", "query", "docs/api/v2").IsAllowed);
    }

    [Fact]
    public void TryParse_DuplicateKeys_AreRefusedInYamlAndJson()
    {
        const string yaml = """
            tools:
              search: { risk: read }
              search: { risk: high-risk }
            rules:
              - { name: r, spiffeId: spiffe://example.org/a, spiffeId: spiffe://example.org/b, tools: [search], actions: [query], targets: [docs] }
            """;
        Assert.Equal(
            [
                "line 3, column 3: tools.search: duplicate key; each key may appear once",
                "line 5, column 50: rules[0].spiffeId: duplicate key; each key may appear once",
            ],
            Refused(yaml));

        const string json = """{ "tools": { "search": { "risk": "read", "risk": "mutate" } }, "rules": [], "rules": [] }""";
        Assert.False(PolicyParser.TryParse(json, out _, out var errors));
        Assert.Equal(["rules: duplicate key; each key may appear once", "tools.search.risk: duplicate key; each key may appear once"], errors);
    }

    [Fact]
    public void TryParse_PlainNullBooleanAndNumberScalars_AreNotStrings_ButQuotedOnesAre()
    {
        const string yaml = """
            tools: { search: { risk: read } }
            rules:
              - name:
                spiffeId: true
                tools: [search]
                actions: [42]
                targets: [docs]
              - name: "42"
                spiffeId: !!str spiffe://example.org/a
                tools: [search]
                actions: ["true"]
                targets: [docs]
            """;
        Assert.Equal(
            [
                "line 3, column 10: rules[0].name: required, a non-empty string",
                "line 4, column 15: rules[0].spiffeId: required, a non-empty string",
                "line 6, column 15: rules[0].actions[0]: must be a non-empty string",
            ],
            Refused(yaml));
    }

    [Fact]
    public void TryParse_UnquotedStarPatterns_AreRefusedWithTheirLinesAndTheFix()
    {
        // A bare ** is the YAML alias *, not the pattern.
        var errors = Refused(Sample.Replace("[\"**\"]", "[**]", StringComparison.Ordinal));
        Assert.Equal(["line 16, column 15: ", "line 17, column 15: "], errors.Select(e => e[..20]));
        Assert.All(errors, e => Assert.Contains("quote patterns that start with *, such as \"*\" and \"**\"", e, StringComparison.Ordinal));

        // A bare * before a flow indicator is no YAML at all.
        var broken = Assert.Single(Refused(Sample.Replace("[\"*\"]", "[*]", StringComparison.Ordinal)));
        Assert.StartsWith("line 15, column ", broken, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", broken, StringComparison.Ordinal);
        Assert.Contains("quote patterns that start with *", broken, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_AliasesTagsAndASecondDocument_AreRefused()
    {
        const string yaml = """
            tools: { search: &tier { risk: read }, wiki: *tier }
            rules: !!set { a }
            ---
            tools: {}
            """;
        Assert.Equal(
            [
                "line 1, column 46: alias *tier is not supported in a policy; write the value out (and quote patterns that start with *, such as \"*\" and \"**\")",
                "line 2, column 8: tag 'tag:yaml.org,2002:set' is not supported in a policy",
                "line 3, column 1: a second YAML document; the policy is one document",
            ],
            Refused(yaml));
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing but a comment\n")]
    public void TryParse_EmptyYaml_IsRefused(string yaml) =>
        Assert.Equal(["the policy is empty; it must be a YAML mapping with \"tools\" and \"rules\""], Refused(yaml));

    [Fact]
    public void TryParse_YamlThatIsNotAMapping_SaysWhatItMustBe() =>
        Assert.Equal(["line 1, column 1: the policy must be a YAML mapping with \"tools\" and \"rules\""], Refused("- tools\n- rules\n"));

    [Fact]
    public void TryParse_DeeplyNestedYaml_IsRefusedWithoutRecursingWithoutBound()
    {
        var yaml = "tools: " + new string('[', 10_000) + new string(']', 10_000) + "\nrules: []\n";
        Assert.Contains("nested deeper than 64 levels", Assert.Single(Refused(yaml)), StringComparison.Ordinal);
    }

    private static ToolPolicy Parse(string text, PolicyFormat format)
    {
        Assert.True(PolicyParser.TryParse(text, format, out var policy, out var errors), string.Join("\n", errors));
        return policy!;
    }

    /// <summary>Everything a policy decides by, as text: tools with tiers, and each rule's name, caller, tools, actions and targets in order.</summary>
    private static string Describe(ToolPolicy policy) =>
        string.Join(", ", policy.Tools.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))
        + "\n"
        + string.Join("\n", policy.Rules.Select(r => $"{r.Name} {r.Caller} [{string.Join(",", r.ToolNames)}] [{string.Join(",", r.Actions)}] [{string.Join(",", r.Targets)}]"));
}
