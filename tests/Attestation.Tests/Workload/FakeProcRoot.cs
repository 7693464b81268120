using System.Globalization;

namespace IdentityIssuer.Attestation.Tests.Workload;

/// <summary>A directory laid out like /proc, holding the files of made-up processes.</summary>
internal sealed class FakeProcRoot : IDisposable
{
    public FakeProcRoot()
    {
        Root = Path.Combine(Path.GetTempPath(), "fakeproc-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The start time of a process added without one.</summary>
    public const ulong DefaultStartTime = 4242;

    public string Root { get; }

    public string PasswdPath => Path.Combine(Root, "passwd");

    public string GroupPath => Path.Combine(Root, "group");

    /// <summary>Adds a process with a stat line (start time), a status file and a cgroup file.</summary>
    public void AddProcess(
        int pid,
        ulong startTime = DefaultStartTime,
        int uid = 1000,
        int gid = 1000,
        string groups = "",
        string cgroup = "0::/\n",
        string? exeTarget = null,
        string? mountInfo = null)
    {
        var dir = Dir(pid);
        Directory.CreateDirectory(dir);
        SetStartTime(pid, startTime);
        File.WriteAllText(Path.Combine(dir, "status"), string.Join('\n',
            "Name:\tapp",
            "Umask:\t0022",
            "State:\tS (sleeping)",
            $"Tgid:\t{pid}",
            $"Pid:\t{pid}",
            "PPid:\t1",
            $"Uid:\t{uid}\t{uid}\t{uid}\t{uid}",
            $"Gid:\t{gid}\t{gid}\t{gid}\t{gid}",
            "FDSize:\t64",
            $"Groups:\t{groups}",
            "VmPeak:\t    8000 kB",
            string.Empty));
        File.WriteAllText(Path.Combine(dir, "cgroup"), cgroup);
        if (exeTarget is not null)
        {
            File.CreateSymbolicLink(Path.Combine(dir, "exe"), exeTarget);
        }

        if (mountInfo is not null)
        {
            File.WriteAllText(Path.Combine(dir, "mountinfo"), mountInfo);
        }
    }

    /// <summary>Rewrites the process's stat line, as if another process now had its pid.</summary>
    public void SetStartTime(int pid, ulong startTime)
    {
        // Fields 1-22 of a real stat line; the command name has a space and a parenthesis in it.
        var stat = $"{pid} (my app) x) S 1 {pid} {pid} 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 "
            + startTime.ToString(CultureInfo.InvariantCulture)
            + " 8228864 900 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n";
        File.WriteAllText(Path.Combine(Dir(pid), "stat"), stat);
    }

    public void WriteSelfMountInfo(string mountInfo)
    {
        Directory.CreateDirectory(Path.Combine(Root, "self"));
        File.WriteAllText(Path.Combine(Root, "self", "mountinfo"), mountInfo);
    }

    public void WriteAccounts(string passwd, string group)
    {
        File.WriteAllText(PasswdPath, passwd);
        File.WriteAllText(GroupPath, group);
    }

    public string Dir(int pid) => Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
