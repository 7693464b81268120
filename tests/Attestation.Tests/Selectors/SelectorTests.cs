using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Tests.Selectors;

public sealed class SelectorTests
{
    [Theory]
    [InlineData("unix:uid:1000", "unix", "uid:1000")]
    [InlineData("k8s:pod-label:app:web", "k8s", "pod-label:app:web")]
    [InlineData("docker:label:com.example:x", "docker", "label:com.example:x")]
    public void Parse_SplitsAtTheFirstColon(string text, string type, string value)
    {
        var selector = Selector.Parse(text);

        Assert.Equal(type, selector.Type);
        Assert.Equal(value, selector.Value);
        Assert.Equal(text, selector.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("unix", "no ':'")]
    [InlineData(":uid:1", "type is empty")]
    [InlineData("unix:", "value is empty")]
    [InlineData("Unix:uid:1", "may contain only")]
    [InlineData("un ix:uid:1", "may contain only")]
    [InlineData("unix:uid:\u00071", "control character")]
    public void TryParse_WhenMalformed_NamesTheProblem(string text, string problem)
    {
        Assert.False(Selector.TryParse(text, out var selector, out var error));
        Assert.Null(selector);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_WhenValueIsTooLong_IsRefused()
    {
        Assert.False(Selector.TryParse("unix:path:/" + new string('a', Selector.MaxValueLength), out _, out var error));
        Assert.Contains("longer than", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_SortsAndRemovesDuplicates()
    {
        var normalized = SelectorSet.Normalize([Selector.Parse("unix:uid:2"), Selector.Parse("docker:label:a:b"), Selector.Parse("unix:uid:2"), Selector.Parse("unix:gid:1")]);

        Assert.Equal(["docker:label:a:b", "unix:gid:1", "unix:uid:2"], normalized.Select(s => s.ToString()));
    }

    [Fact]
    public void IsSubsetOf_MatchesWhenEveryEntrySelectorIsPresent()
    {
        Selector[] workload = [Selector.Parse("unix:uid:1000"), Selector.Parse("unix:gid:1000"), Selector.Parse("unix:user:svc")];

        Assert.True(SelectorSet.IsSubsetOf([Selector.Parse("unix:uid:1000")], workload));
        Assert.True(SelectorSet.IsSubsetOf([Selector.Parse("unix:uid:1000"), Selector.Parse("unix:user:svc")], workload));
        Assert.False(SelectorSet.IsSubsetOf([Selector.Parse("unix:uid:1000"), Selector.Parse("unix:uid:0")], workload));
        Assert.True(SelectorSet.SetEquals(workload.Reverse(), workload));
    }
}
