namespace IdentityIssuer.Spiffe.Tests;

public class SpiffeIdTests
{
    [Theory]
    [MemberData(nameof(CharacterCases.AllBytes), MemberType = typeof(CharacterCases))]
    public void Parse_ForEveryByteInTrustDomain_AcceptsOnlyTheTrustDomainSet(int value)
    {
        var c = (char)value;
        var input = "spiffe://a" + c + "b/path";

        var ok = SpiffeId.TryParse(input, out var id, out var error);

        // A slash ends the trust domain, so "spiffe://a/b/path" is a valid ID with trust domain "a".
        var expected = CharacterCases.IsTrustDomainChar(c) || c == '/';
        Assert.Equal(expected, ok);
        if (expected)
        {
            Assert.Equal(input, id!.ToString());
        }
        else
        {
            Assert.Null(id);
            Assert.Contains($"found {CharacterCases.Describe(c)} at byte 10", error, StringComparison.Ordinal);
            var exception = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));
            Assert.Equal(error, exception.Message);
        }
    }

    [Theory]
    [MemberData(nameof(CharacterCases.AllBytes), MemberType = typeof(CharacterCases))]
    public void Parse_ForEveryByteInPath_AcceptsOnlyThePathSet(int value)
    {
        var c = (char)value;
        var input = "spiffe://td/a" + c + "b";

        var ok = SpiffeId.TryParse(input, out var id, out var error);

        // A slash splits "/a/b" into two valid segments.
        var expected = CharacterCases.IsPathChar(c) || c == '/';
        Assert.Equal(expected, ok);
        if (expected)
        {
            Assert.Equal("/a" + c + "b", id!.Path);
        }
        else
        {
            Assert.Contains($"found {CharacterCases.Describe(c)} at byte 13", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CharacterCases.AllBytes), MemberType = typeof(CharacterCases))]
    public void FromPath_ForEveryByte_AcceptsOnlyThePathSet(int value)
    {
        var c = (char)value;
        var td = TrustDomain.Parse("example.org");
        var path = "/a" + c + "b";
        var expected = CharacterCases.IsPathChar(c) || c == '/';

        if (expected)
        {
            Assert.Equal("spiffe://example.org" + path, SpiffeId.FromPath(td, path).ToString());
        }
        else
        {
            var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.FromPath(td, path));
            Assert.Contains($"found {CharacterCases.Describe(c)} at byte 2", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("spiffe://td/.")]
    [InlineData("spiffe://td/..")]
    [InlineData("spiffe://td/./a")]
    [InlineData("spiffe://td/../a")]
    [InlineData("spiffe://td/a/.")]
    [InlineData("spiffe://td/a/..")]
    [InlineData("spiffe://td/a/./b")]
    [InlineData("spiffe://td/a/../b")]
    public void Parse_WhenPathHasDotSegment_FailsNamingDotSegment(string input)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.Equal("path cannot contain dot segments", e.Message);
    }

    [Theory]
    [InlineData("spiffe://td/.a")]
    [InlineData("spiffe://td/..a")]
    [InlineData("spiffe://td/...")]
    [InlineData("spiffe://td/a.")]
    [InlineData("spiffe://td/a../b")]
    [InlineData("spiffe://td/.../...")]
    public void Parse_WhenSegmentIsMoreThanOnlyOneOrTwoDots_Accepts(string input)
    {
        Assert.Equal(input, SpiffeId.Parse(input).ToString());
    }

    [Theory]
    [InlineData("spiffe://td//")]
    [InlineData("spiffe://td//a")]
    [InlineData("spiffe://td/a//b")]
    public void Parse_WhenPathHasEmptySegment_FailsNamingEmptySegment(string input)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.Equal("path cannot contain empty segments", e.Message);
    }

    [Theory]
    [InlineData("spiffe://td/")]
    [InlineData("spiffe://td/a/")]
    [InlineData("spiffe://td/a/b/")]
    public void Parse_WhenPathHasTrailingSlash_FailsNamingTrailingSlash(string input)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.Equal("path cannot have a trailing slash", e.Message);
    }

    [Theory]
    [InlineData("spiffe://td/%62ad", "path cannot contain percent-encoding (found '%' at byte 12)")]
    [InlineData("spiffe://td/a%2Fb", "path cannot contain percent-encoding (found '%' at byte 13)")]
    [InlineData("spiffe://t%64/a", "trust domain cannot contain percent-encoding (found '%' at byte 10)")]
    public void Parse_WhenPercentEncoded_FailsNamingPercentEncoding(string input, string message)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("SPIFFE://td/a")]
    [InlineData("Spiffe://td/a")]
    [InlineData("spiffE://td/a")]
    [InlineData("http://td/a")]
    [InlineData("spiffe:/td/a")]
    [InlineData("spiffe:td/a")]
    [InlineData("spiffe//td/a")]
    [InlineData("td/a")]
    [InlineData(" spiffe://td/a")]
    public void Parse_WhenSchemeIsNotLiteralLowercaseSpiffe_FailsNamingScheme(string input)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.Equal("scheme is missing or invalid", e.Message);
    }

    [Fact]
    public void Parse_WhenEmpty_FailsNamingEmpty()
    {
        Assert.False(SpiffeId.TryParse(string.Empty, out _, out var error));
        Assert.Equal("SPIFFE ID cannot be empty", error);
        Assert.False(SpiffeId.TryParse(null, out _, out error));
        Assert.Equal("SPIFFE ID cannot be empty", error);
    }

    [Theory]
    [InlineData("spiffe://")]
    [InlineData("spiffe:///")]
    [InlineData("spiffe:///path")]
    public void Parse_WhenTrustDomainIsEmpty_FailsNamingMissingTrustDomain(string input)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.Equal("trust domain is missing", e.Message);
    }

    [Theory]
    [InlineData("spiffe://user@td/a", "userinfo", "'@' at byte 13")]
    [InlineData("spiffe://user:pass@td/a", "port", "':' at byte 13")]
    [InlineData("spiffe://td:8080/a", "port", "':' at byte 11")]
    [InlineData("spiffe://td:/a", "port", "':' at byte 11")]
    public void Parse_WhenAuthorityHasUserinfoOrPort_Fails(string input, string defect, string found)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.Contains(defect, e.Message, StringComparison.Ordinal);
        Assert.Contains(found, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spiffe://td/a?x=1", "'?' at byte 13")]
    [InlineData("spiffe://td/a#frag", "'#' at byte 13")]
    [InlineData("spiffe://td?x=1", "'?' at byte 11")]
    [InlineData("spiffe://td#frag", "'#' at byte 11")]
    [InlineData("spiffe://td/?", "'?' at byte 12")]
    public void Parse_WhenQueryOrFragmentPresent_FailsNamingQueryFragment(string input, string found)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.StartsWith("query/fragment not allowed", e.Message, StringComparison.Ordinal);
        Assert.Contains(found, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spiffe://TD/a", "'T' at byte 9")]
    [InlineData("spiffe://exAmple.org/a", "'A' at byte 11")]
    public void Parse_WhenTrustDomainHasUppercase_FailsNamingTheCharacter(string input, string found)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.StartsWith("trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores", e.Message, StringComparison.Ordinal);
        Assert.Contains(found, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenPathHasUppercase_AcceptsBecausePathIsCaseSensitive()
    {
        var id = SpiffeId.Parse("spiffe://td/Web/API");

        Assert.Equal("/Web/API", id.Path);
        Assert.NotEqual(SpiffeId.Parse("spiffe://td/web/api"), id);
    }

    [Theory]
    [InlineData("spiffe://127.0.0.1/a", "127.0.0.1")]
    [InlineData("spiffe://10.0.0.1", "10.0.0.1")]
    public void Parse_WhenTrustDomainIsIPv4_AcceptsItAsAName(string input, string name)
    {
        Assert.Equal(name, SpiffeId.Parse(input).TrustDomain.Name);
    }

    [Theory]
    [InlineData("spiffe://[::1]/a", "'[' at byte 9")]
    [InlineData("spiffe://[2001:db8::1]/a", "'[' at byte 9")]
    [InlineData("spiffe://::1/a", "':' at byte 9")]
    public void Parse_WhenTrustDomainIsIPv6_Fails(string input, string found)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.Contains(found, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenExactly2048Bytes_Accepts()
    {
        var input = "spiffe://td/" + new string('a', SpiffeId.MaxLength - "spiffe://td/".Length);
        Assert.Equal(2048, input.Length);

        Assert.Equal(input, SpiffeId.Parse(input).ToString());
    }

    [Fact]
    public void Parse_When2049Bytes_FailsNamingLengthLimit()
    {
        var input = "spiffe://td/" + new string('a', SpiffeId.MaxLength + 1 - "spiffe://td/".Length);

        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.StartsWith("SPIFFE ID is longer than 2048 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPath_WhenResultWouldExceed2048Bytes_FailsNamingLengthLimit()
    {
        var td = TrustDomain.Parse("td");
        var fits = "/" + new string('a', SpiffeId.MaxLength - "spiffe://td/".Length);
        Assert.Equal(2048, SpiffeId.FromPath(td, fits).ToString().Length);

        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.FromPath(td, fits + "a"));

        Assert.StartsWith("SPIFFE ID is longer than 2048 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenTrustDomainIs255Bytes_Accepts()
    {
        var name = new string('a', 255);

        Assert.Equal(name, SpiffeId.Parse("spiffe://" + name + "/x").TrustDomain.Name);
    }

    [Fact]
    public void Parse_WhenTrustDomainIs256Bytes_FailsNamingTrustDomainLimit()
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse("spiffe://" + new string('a', 256) + "/x"));

        Assert.StartsWith("trust domain is longer than 255 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spiffe://example.org", "example.org", "")]
    [InlineData("spiffe://example.org/ns/prod/sa/web", "example.org", "/ns/prod/sa/web")]
    [InlineData("spiffe://a_b-c.d/x-y_z.0", "a_b-c.d", "/x-y_z.0")]
    public void Parse_WhenValid_RoundTripsThroughToString(string input, string trustDomain, string path)
    {
        var id = SpiffeId.Parse(input);

        Assert.Equal(input, id.ToString());
        Assert.Equal(trustDomain, id.TrustDomain.Name);
        Assert.Equal(path, id.Path);
        Assert.Equal(path.Length == 0, id.IsRoot);
        Assert.Equal(id, SpiffeId.Parse(id.ToString()));
    }

    [Fact]
    public void Equality_IsOrdinalOnTheWholeId()
    {
        var a = SpiffeId.Parse("spiffe://example.org/web");
        var b = SpiffeId.Parse("spiffe://example.org/web");
        var c = SpiffeId.Parse("spiffe://example.org/Web");
        var d = SpiffeId.Parse("spiffe://example.com/web");

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.True(a != c);
        Assert.NotEqual(a, d);
        Assert.False(a.Equals(null));
        Assert.Equal(a, SpiffeId.FromPath(TrustDomain.Parse("example.org"), "/web"));
    }

    [Fact]
    public void FromPath_WhenPathEmpty_ReturnsTheRootId()
    {
        var td = TrustDomain.Parse("example.org");

        var id = SpiffeId.FromPath(td, string.Empty);

        Assert.True(id.IsRoot);
        Assert.Equal(td.Id, id);
        Assert.Equal("spiffe://example.org", id.ToString());
    }

    [Theory]
    [InlineData("a", "path must have a leading slash")]
    [InlineData("/", "path cannot have a trailing slash")]
    [InlineData("/a//b", "path cannot contain empty segments")]
    [InlineData("/a/..", "path cannot contain dot segments")]
    public void FromPath_WhenPathInvalid_FailsNamingDefect(string path, string message)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.FromPath(TrustDomain.Parse("td"), path));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void IsMemberOf_ComparesTrustDomains()
    {
        var id = SpiffeId.Parse("spiffe://example.org/web");

        Assert.True(id.IsMemberOf(TrustDomain.Parse("example.org")));
        Assert.False(id.IsMemberOf(TrustDomain.Parse("example.com")));
    }

    [Fact]
    public void Parse_IsNotFooledByWhatUriWouldNormalize()
    {
        Assert.False(SpiffeId.TryParse("spiffe://td/a/../b", out _, out _));
        Assert.False(SpiffeId.TryParse("spiffe://td/a/./b", out _, out _));
        Assert.False(SpiffeId.TryParse("spiffe://TrustDomain/Path", out _, out _));
        Assert.Equal("spiffe://td", SpiffeId.Parse("spiffe://td").ToString());
    }

    [Theory]
    [InlineData("spiffe://td/caf\u00e9", "U+00E9 at byte 15")]
    [InlineData("spiffe://td/a\ud83d\ude00", "U+1F600 at byte 13")]
    [InlineData("spiffe://td/a b", "U+0020 at byte 13")]
    public void Parse_WhenPathHasNonAsciiOrSpace_FailsNamingTheCodePoint(string input, string found)
    {
        var e = Assert.Throws<SpiffeIdFormatException>(() => SpiffeId.Parse(input));

        Assert.Contains(found, e.Message, StringComparison.Ordinal);
    }
}
