namespace IdentityIssuer.EndToEnd.Support;

/// <summary>What a finished process left behind: its exit code and everything it printed.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Standard output and standard error together, for "the message mentions X" checks.</summary>
    public string Output => StdOut + StdErr;

    /// <summary>Fails the test with the whole result unless the exit code is 0.</summary>
    public ProcessResult ShouldSucceed()
    {
        Assert.True(ExitCode == 0, $"expected exit code 0\n{this}");
        return this;
    }

    /// <summary>Fails the test with the whole result if the exit code is 0.</summary>
    public ProcessResult ShouldFail()
    {
        Assert.True(ExitCode != 0, $"expected a non-zero exit code\n{this}");
        return this;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"$ {Command}\nexit code: {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}
