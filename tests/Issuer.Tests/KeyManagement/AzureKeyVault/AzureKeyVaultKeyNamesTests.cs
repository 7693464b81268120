using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

namespace IdentityIssuer.Issuer.Tests.KeyManagement.AzureKeyVault;

public sealed class AzureKeyVaultKeyNamesTests
{
    private const string Prefix = "identity-issuer-";

    public static TheoryData<string> Ids =>
        ["a", "A", "x509-ca.A_1", ".hidden", "...", "-dash", "_", "Z9-._", new string('z', 55), new string('z', 56), new string('Z', 128), new string('z', 128)];

    [Theory]
    [MemberData(nameof(Ids))]
    public void Name_IsAValidVaultNameThatMapsBackToTheId(string keyId)
    {
        var name = AzureKeyVaultKeyNames.ToName(Prefix, keyId);

        Assert.Matches("^[0-9a-zA-Z-]{1,127}$", name);
        Assert.StartsWith(Prefix, name, StringComparison.Ordinal);
        Assert.Equal(keyId, AzureKeyVaultKeyNames.ToKeyId(Prefix, name, keyId));
        Assert.Equal(keyId, AzureKeyVaultKeyNames.ToKeyId(Prefix, name.ToUpperInvariant(), keyId));
    }

    [Fact]
    public void Names_OfDifferentIds_DifferEvenIgnoringCase()
    {
        string[] ids = ["a", "A", "-a", "-A", "a-", "a.", "a_", "-0", "--", ".-", new string('z', 127), new string('z', 128), new string('Z', 128)];

        var names = ids.Select(id => AzureKeyVaultKeyNames.ToName(Prefix, id).ToUpperInvariant()).ToList();

        Assert.Equal(ids.Length, names.Distinct().Count());
    }

    [Fact]
    public void ShortId_GetsTheReadableForm_LongIdTheHashedForm()
    {
        Assert.Equal(Prefix + "x509-0ca-1-a-21", AzureKeyVaultKeyNames.ToName(Prefix, "x509-ca.A_1"));
        var hashed = AzureKeyVaultKeyNames.ToName(Prefix, new string('Z', 128));
        Assert.StartsWith(Prefix + "-9", hashed, StringComparison.Ordinal);
        Assert.Equal(Prefix.Length + 2 + 52, hashed.Length);
    }

    [Theory]
    [InlineData("identity-issuer-ca", null)]
    [InlineData("identity-issuer-ca", "other")]
    [InlineData("other-ca", "ca")]
    [InlineData("identity-issuer-", "ca")]
    [InlineData("identity-issuer-c-9a", "ca")]
    public void KeyThatIsNotOurs_MapsToNoId(string name, string? tag)
    {
        Assert.Null(AzureKeyVaultKeyNames.ToKeyId(Prefix, name, tag));
    }

    [Fact]
    public void HashedName_WithATagOfAnotherId_MapsToNoId()
    {
        var name = AzureKeyVaultKeyNames.ToName(Prefix, new string('z', 128));

        Assert.Null(AzureKeyVaultKeyNames.ToKeyId(Prefix, name, new string('y', 128)));
    }
}
