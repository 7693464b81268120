using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Tests;

public sealed class InputEchoTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("unix:uid:1000", "unix:uid:1000")]
    [InlineData("a\nb\u0000c", "a?b?c")]
    public void Of_ShortInput_IsKeptWholeWithControlCharactersReplaced(string? input, string expected)
    {
        Assert.Equal(expected, InputEcho.Of(input));
    }

    [Fact]
    public void Of_InputOfExactlyTheLimit_IsKeptWhole()
    {
        var input = new string('a', InputEcho.MaxChars);

        Assert.Equal(input, InputEcho.Of(input));
    }

    [Fact]
    public void Of_LongInput_KeepsThePrefixAndNamesTheWholeSizeInBytes()
    {
        var input = new string('x', 100_000);

        Assert.Equal(new string('x', InputEcho.MaxChars) + "… (100000 bytes)", InputEcho.Of(input));
    }

    [Fact]
    public void Of_LongInputWithASurrogatePairAtTheCut_DoesNotSplitIt()
    {
        var input = new string('a', InputEcho.MaxChars - 1) + "😀" + new string('b', 10);

        var echo = InputEcho.Of(input);

        Assert.Equal(new string('a', InputEcho.MaxChars - 1) + "… (77 bytes)", echo);
    }

    [Fact]
    public void SelectorTryParse_WithAMegabyteValue_EchoesABoundedPrefix()
    {
        Assert.False(Selector.TryParse("unix:path:/" + new string('a', 1_000_000), out _, out var error));

        Assert.Contains("… (1000011 bytes)", error, StringComparison.Ordinal);
        Assert.True(error.Length < 200, error);
    }
}
