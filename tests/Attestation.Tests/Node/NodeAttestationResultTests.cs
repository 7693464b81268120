using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Tests.Node;

public sealed class NodeAttestationResultTests
{
    [Fact]
    public void Failure_IsNotValid_AndAdmitsNobody()
    {
        var result = NodeAttestationResult.Failure("bad evidence");

        Assert.False(result.IsValid);
        Assert.Equal("bad evidence", result.Error);
        Assert.Empty(result.AgentPath);
        Assert.Empty(result.Selectors);
        Assert.False(result.CanReattest);
    }

    [Theory]
    [InlineData("/workload/web")]
    [InlineData("/identity-issuer/agent/")]
    [InlineData("/identity-issuer/agent/x509pop")]
    [InlineData("/identity-issuer/agent/x509pop/")]
    [InlineData("/identity-issuer/server")]
    public void Success_OutsideTheAgentNamespace_Throws(string path) =>
        Assert.Throws<ArgumentException>(() => NodeAttestationResult.Success(path, [], false));

    [Fact]
    public void Success_NormalizesSelectors()
    {
        var result = NodeAttestationResult.Success("/identity-issuer/agent/x509pop/ab", [Selector.Parse("x509pop:subject:cn:b"), Selector.Parse("x509pop:subject:cn:a"), Selector.Parse("x509pop:subject:cn:a")], true);

        Assert.True(result.IsValid);
        Assert.Equal(["x509pop:subject:cn:a", "x509pop:subject:cn:b"], result.Selectors.Select(s => s.ToString()));
        Assert.True(NodeAttestorPaths.BelongsTo(result.AgentPath, "x509pop"));
        Assert.False(NodeAttestorPaths.BelongsTo(result.AgentPath, "x509"));
    }
}
