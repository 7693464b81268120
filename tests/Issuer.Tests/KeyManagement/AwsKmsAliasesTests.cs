using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

public sealed class AwsKmsAliasesTests
{
    private const string Prefix = "alias/identity-issuer/";

    public static TheoryData<string> ValidKeyIds => KeyManagerSuite.ValidKeyIds;

    [Theory]
    [MemberData(nameof(ValidKeyIds))]
    public void ToAlias_ForEveryEdgeCaseId_IsAValidKmsAliasThatMapsBack(string keyId)
    {
        var alias = AwsKmsAliases.ToAlias(Prefix, keyId);

        Assert.Matches("^alias/[a-zA-Z0-9/_-]+$", alias);
        Assert.True(alias.Length <= 256, $"{alias.Length} characters");
        Assert.Equal(keyId, AwsKmsAliases.ToKeyId(Prefix, alias));
    }

    [Fact]
    public void ToAlias_ForIdsDifferingOnlyInDotsAndSeparators_GivesDifferentAliases()
    {
        string[] ids = ["a.b", "a_b", "a-b", "ab", "a..b", ".ab", "ab."];

        Assert.Equal(ids.Length, ids.Select(id => AwsKmsAliases.ToAlias(Prefix, id)).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("alias/aws/ebs")]
    [InlineData("alias/other/ca")]
    [InlineData("alias/identity-issuer/")]
    [InlineData("alias/identity-issuer/a/../b")]
    [InlineData("alias/identity-issuer/has:colon")]
    [InlineData(null)]
    public void ToKeyId_ForAliasesThatAreNotOurs_IsNull(string? alias)
    {
        Assert.Null(AwsKmsAliases.ToKeyId(Prefix, alias));
    }
}
