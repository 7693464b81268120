namespace IdentityIssuer.Tests.Common;

/// <summary>Where the repository is, for tests that read its samples or run its helper scripts.</summary>
public static class RepositoryPaths
{
    /// <summary>The directory holding IdentityIssuer.sln, found upwards from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IdentityIssuer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("could not find the repository root (IdentityIssuer.sln) above " + AppContext.BaseDirectory);
    }
}
