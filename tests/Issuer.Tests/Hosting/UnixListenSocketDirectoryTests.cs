namespace IdentityIssuer.Issuer.Tests.Hosting;

/// <summary>The rule for a socket's directory (shared by the issuer, the gateway and the agent), for owners a test cannot create.</summary>
public sealed class UnixListenSocketDirectoryTests
{
    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    [Theory]
    [InlineData("0700", 1000u)]
    [InlineData("0755", 0u)]
    public void Judge_WhenOnlyTheOwnerCanWrite_LeavesItAlone(string mode, uint owner)
    {
        Assert.Equal(Shared.UnixListenSocket.DirectoryVerdict.Safe, Shared.UnixListenSocket.Judge(Mode(mode), owner, 1000));
    }

    [Theory]
    [InlineData("0775")]
    [InlineData("0757")]
    public void Judge_WhenOthersCanWriteAndWeOwnIt_Tightens(string mode)
    {
        Assert.Equal(Shared.UnixListenSocket.DirectoryVerdict.Tighten, Shared.UnixListenSocket.Judge(Mode(mode), 1000, 1000));
    }

    [Fact]
    public void Judge_WhenOthersCanWriteAndAnotherUserOwnsIt_Refuses()
    {
        Assert.Equal(Shared.UnixListenSocket.DirectoryVerdict.RefuseNotOwned, Shared.UnixListenSocket.Judge(Mode("0777"), 0, 1000));
    }

    [Fact]
    public void Judge_WhenStickyAndWorldWritableEvenIfOurs_RefusesRatherThanChangingASharedDirectory()
    {
        Assert.Equal(Shared.UnixListenSocket.DirectoryVerdict.RefuseShared, Shared.UnixListenSocket.Judge(Mode("1777"), 0, 0));
    }
}
