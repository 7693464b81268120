namespace IdentityIssuer.Agent.Tests.Support;

/// <summary>Local user ids, read the way the kernel and /etc/passwd report them.</summary>
internal static class Users
{
    /// <summary>The real uid of the test process.</summary>
    public static int CurrentUid()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The uid of a local account from /etc/passwd.</summary>
    public static int UidOf(string user)
    {
        var fields = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).First(f => f[0] == user);
        return int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
    }
}
