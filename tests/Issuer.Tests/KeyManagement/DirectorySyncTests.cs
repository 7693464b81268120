using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

public sealed class DirectorySyncTests
{
    [Fact]
    public void Flush_OnUnix_FlushesTheDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.False(DirectorySync.Flush(Path.GetTempPath()));
            return;
        }

        Assert.True(DirectorySync.Flush(Path.GetTempPath()));
    }

    [Fact]
    public void Flush_OfMissingDirectory_ReturnsFalseWithoutThrowing()
    {
        Assert.False(DirectorySync.Flush(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
    }
}
