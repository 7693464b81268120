namespace IdentityIssuer.Spiffe.Tests;

public class TrustDomainTests
{
    [Theory]
    [MemberData(nameof(CharacterCases.AllBytes), MemberType = typeof(CharacterCases))]
    public void TryParse_ForEveryByteInName_AcceptsOnlyTheTrustDomainSet(int value)
    {
        var c = (char)value;
        var name = "a" + c + "b";

        var ok = TrustDomain.TryParse(name, out var td, out var error);

        Assert.Equal(CharacterCases.IsTrustDomainChar(c), ok);
        if (ok)
        {
            Assert.Equal(name, td!.Name);
        }
        else
        {
            Assert.Contains($"found {CharacterCases.Describe(c)} at byte 1", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("example.org")]
    [InlineData("spiffe://example.org")]
    public void Parse_WhenNameOrRootId_ReturnsTheTrustDomain(string input)
    {
        var td = TrustDomain.Parse(input);

        Assert.Equal("example.org", td.Name);
        Assert.Equal("spiffe://example.org", td.IdString);
        Assert.Equal("example.org", td.ToString());
        Assert.Equal(SpiffeId.Parse("spiffe://example.org"), td.Id);
        Assert.True(td.Id.IsRoot);
        Assert.Equal(td, td.Id.TrustDomain);
    }

    [Fact]
    public void Parse_WhenIdHasPath_FailsNamingThePath()
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => TrustDomain.Parse("spiffe://example.org/web"));

        Assert.Contains("cannot have a path", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "trust domain is missing")]
    [InlineData(null, "trust domain is missing")]
    [InlineData("spiffe://", "trust domain is missing")]
    [InlineData("SPIFFE://example.org", "scheme is missing or invalid")]
    [InlineData("spiffe:/example.org", "scheme is missing or invalid")]
    [InlineData("Example.org", "(found 'E' at byte 0)")]
    [InlineData("example.org:443", "(found ':' at byte 11)")]
    [InlineData("[::1]", "(found '[' at byte 0)")]
    public void TryParse_WhenInvalid_FailsNamingDefect(string? input, string message)
    {
        Assert.False(TrustDomain.TryParse(input, out var td, out var error));
        Assert.Null(td);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenIPv4_Accepts()
    {
        Assert.Equal("192.168.0.1", TrustDomain.Parse("192.168.0.1").Name);
    }

    [Fact]
    public void Parse_When255Bytes_AcceptsAnd256Fails()
    {
        Assert.Equal(255, TrustDomain.Parse(new string('x', 255)).Name.Length);

        var e = Assert.Throws<SpiffeIdFormatException>(() => TrustDomain.Parse(new string('x', 256)));

        Assert.StartsWith("trust domain is longer than 255 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equality_IsOrdinalOnTheName()
    {
        var a = TrustDomain.Parse("example.org");
        var b = TrustDomain.Parse("spiffe://example.org");

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, TrustDomain.Parse("example.com"));
        Assert.True(a != TrustDomain.Parse("example.com"));
    }
}
