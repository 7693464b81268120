using IdentityIssuer.Gateway.Policy;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityIssuer.Gateway.Tests.Policy;

public sealed class ToolPolicyStoreTests : IDisposable
{
    private readonly string _directory = FreePort.ShortTempDirectory();

    private string PolicyFile => Path.Combine(_directory, "policy.json");

    [Fact]
    public void Load_BadFile_ThrowsNamingEveryProblem()
    {
        File.WriteAllText(PolicyFile, """{ "tools": { "a": { "risk": "x" } }, "rules": [ { "name": "r" } ] }""");
        var store = new ToolPolicyStore(PolicyFile, NullLogger<ToolPolicyStore>.Instance);
        var ex = Assert.Throws<ToolPolicyException>(store.Load);
        Assert.Equal(5, ex.Problems.Count);
        Assert.Contains(PolicyFile, ex.Message, StringComparison.Ordinal);
        Assert.Contains("rules[0].targets: required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_Throws()
    {
        var ex = Assert.Throws<ToolPolicyException>(new ToolPolicyStore(PolicyFile, NullLogger<ToolPolicyStore>.Instance).Load);
        Assert.Contains("cannot read the policy file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_ValidChange_TakesEffect_AndBadChange_KeepsTheOldPolicyAndLogsEveryProblem()
    {
        File.WriteAllText(PolicyFile, PolicyParserTests.Sample);
        var logger = new ListLogger();
        var store = new ToolPolicyStore(PolicyFile, logger);
        store.Load();
        var ops = SpiffeId.Parse("spiffe://example.org/ops");
        Assert.False(store.Reload());
        Assert.True(store.Current.Authorize(ops, "deploy", "run", "x").IsAllowed);

        File.WriteAllText(PolicyFile, """{ "tools": { "search": { "risk": "read" } }, "rules": [] }""");
        Assert.True(store.Reload());
        Assert.False(store.Current.Authorize(ops, "search", "run", "x").IsAllowed);

        File.WriteAllText(PolicyFile, """{ "tools": { "search": { "risk": "nope" } }, "rules": [ { "name": "" } ] }""");
        Assert.False(store.Reload());
        Assert.Single(store.Current.Tools);
        var error = Assert.Single(logger.Messages, m => m.Level == LogLevel.Error);
        Assert.Contains("has 6 problem(s)", error.Text, StringComparison.Ordinal);
        Assert.Contains("tools.search.risk", error.Text, StringComparison.Ordinal);
        Assert.Contains("rules[0].name: required", error.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_YamlPolicy_ValidChangeTakesEffect_AndBadChangeKeepsTheOldPolicyAndLogsEveryProblemWithItsLine()
    {
        var file = Path.Combine(_directory, "policy.yaml");
        File.WriteAllText(file, YamlPolicyTests.Sample);
        var logger = new ListLogger();
        var store = new ToolPolicyStore(file, logger);
        store.Load();
        var ops = SpiffeId.Parse("spiffe://example.org/ops");
        Assert.Equal(PolicyFormat.Yaml, store.Format);
        Assert.False(store.Reload());
        Assert.True(store.Current.Authorize(ops, "deploy", "run", "x").IsAllowed);

        File.WriteAllText(file, "tools:\n  search: { risk: read }\nrules: []\n");
        Assert.True(store.Reload());
        Assert.False(store.Current.Authorize(ops, "search", "run", "x").IsAllowed);

        File.WriteAllText(file, "tools:\n  search: { risk: nope }\nrules:\n  - name: \"\"\n");
        Assert.False(store.Reload());
        Assert.Single(store.Current.Tools);
        var error = Assert.Single(logger.Messages, m => m.Level == LogLevel.Error);
        Assert.Contains("has 6 problem(s)", error.Text, StringComparison.Ordinal);
        Assert.Contains("line 2, column 19: tools.search.risk: 'nope' is not a risk tier", error.Text, StringComparison.Ordinal);
        Assert.Contains("line 4, column 11: rules[0].name: required", error.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("policy.txt")]
    [InlineData("policy")]
    public void Load_UnknownExtension_ThrowsNamingTheFileAndTheAcceptedExtensions(string name)
    {
        var file = Path.Combine(_directory, name);
        File.WriteAllText(file, PolicyParserTests.Sample);
        var ex = Assert.Throws<ToolPolicyException>(new ToolPolicyStore(file, NullLogger<ToolPolicyStore>.Instance).Load);
        Assert.Contains($"policy file '{file}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("names no policy format; use .yaml, .yml or .json", Assert.Single(ex.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("policy.yml")]
    [InlineData("POLICY.YAML")]
    public void Load_YmlOrUpperCaseExtension_ReadsYaml(string name)
    {
        var file = Path.Combine(_directory, name);
        File.WriteAllText(file, YamlPolicyTests.Sample);
        var store = new ToolPolicyStore(file, NullLogger<ToolPolicyStore>.Instance);
        store.Load();
        Assert.Equal(3, store.Current.Tools.Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class ListLogger : ILogger<ToolPolicyStore>
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add((logLevel, formatter(state, exception)));
    }
}
