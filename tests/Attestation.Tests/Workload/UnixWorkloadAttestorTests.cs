using System.Diagnostics;
using System.Security.Cryptography;
using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Attestation.Tests.Workload;

public sealed class UnixWorkloadAttestorTests
{
    private const int Nobody = 65534;
    private const string Sleep = "/usr/bin/sleep";

    private static readonly UnixWorkloadAttestorOptions WithPath = new() { DiscoverWorkloadPath = true };

    [Fact]
    public async Task Attest_TestProcess_ReportsRootAndTheRunningExecutable()
    {
        var attestor = new UnixWorkloadAttestor(WithPath);
        var exe = new FileInfo("/proc/self/exe").LinkTarget!;

        var selectors = await attestor.AttestAsync(await RealProcess.OfAsync(Environment.ProcessId, 0, 0), CancellationToken.None);

        SelectorAssert.AllFit("unix", selectors);
        var texts = SelectorAssert.Texts(selectors);
        Assert.Contains("unix:uid:0", texts);
        Assert.Contains("unix:user:root", texts);
        Assert.Contains("unix:gid:0", texts);
        Assert.Contains("unix:group:root", texts);
        Assert.Contains($"unix:path:{exe}", texts);
        Assert.Contains($"unix:sha256:{Sha256Of(exe)}", texts);
    }

    [Fact]
    public async Task Attest_SleepRunAsNobody_ReportsNobodyNogroupAndTheSleepBinary()
    {
        using var sleep = StartAs("--reuid=nobody", "--regid=nogroup", "--clear-groups", Sleep, "60");
        try
        {
            var attestor = new UnixWorkloadAttestor(WithPath);

            var selectors = await attestor.AttestAsync(await RealProcess.OfAsync(sleep.Id, Nobody, Nobody), CancellationToken.None);

            SelectorAssert.AllFit("unix", selectors);
            Assert.Equal(
                [
                    "unix:gid:65534",
                    "unix:group:nogroup",
                    "unix:path:/usr/bin/sleep",
                    $"unix:sha256:{Sha256Of(Sleep)}",
                    "unix:uid:65534",
                    "unix:user:nobody",
                ],
                SelectorAssert.Texts(selectors));
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public async Task Attest_ProcessWithSupplementaryGroups_ReportsEachGroupByIdAndName()
    {
        using var sleep = StartAs("--reuid=nobody", "--regid=nogroup", "--groups=4,27", Sleep, "60");
        try
        {
            var attestor = new UnixWorkloadAttestor(new UnixWorkloadAttestorOptions());

            var selectors = await attestor.AttestAsync(await RealProcess.OfAsync(sleep.Id, Nobody, Nobody), CancellationToken.None);

            SelectorAssert.AllFit("unix", selectors);
            var texts = SelectorAssert.Texts(selectors);
            Assert.Contains("unix:supplementary_gid:4", texts);
            Assert.Contains("unix:supplementary_gid:27", texts);
            Assert.Contains($"unix:supplementary_group:{GroupName(4)}", texts);
            Assert.Contains($"unix:supplementary_group:{GroupName(27)}", texts);
            Assert.DoesNotContain(texts, t => t.StartsWith("unix:path:", StringComparison.Ordinal));
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public async Task Attest_ExecutableReplacedOnDiskAfterStart_HashesTheRunningBinaryAndMarksThePathDeleted()
    {
        var dir = Path.Combine(Path.GetTempPath(), "unixattest-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var copy = Path.Combine(dir, "app");
        File.Copy(Sleep, copy);
        using var app = Process.Start(copy, "60");
        try
        {
            WaitForExec(app.Id, copy);
            File.Delete(copy);
            File.WriteAllText(copy, "#!/bin/sh\necho not the running binary\n");
            var attestor = new UnixWorkloadAttestor(WithPath);

            var selectors = await attestor.AttestAsync(await RealProcess.OfAsync(app.Id, 0, 0), CancellationToken.None);

            var texts = SelectorAssert.Texts(selectors);
            Assert.Contains($"unix:path:{copy} (deleted)", texts);
            Assert.Contains($"unix:sha256:{Sha256Of(Sleep)}", texts);
            SelectorAssert.AllFit("unix", selectors);
        }
        finally
        {
            app.Kill();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Attest_ProcessThatExited_Fails()
    {
        WorkloadProcess connected;
        using (var sleep = Process.Start(Sleep, "60"))
        {
            connected = await RealProcess.OfAsync(sleep.Id, 0, 0);
            sleep.Kill();
            await sleep.WaitForExitAsync();
        }

        var attestor = new UnixWorkloadAttestor(WithPath);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(connected, CancellationToken.None));

        Assert.Contains($"process {connected.ProcessId}", e.Message, StringComparison.Ordinal);
        Assert.True(e.CallerChanged);
    }

    [Fact]
    public async Task Attest_WhenTheProcessNowRunsAsAnotherUserThanItConnectedAs_Fails()
    {
        var attestor = new UnixWorkloadAttestor(new UnixWorkloadAttestorOptions());
        var connectedAsAnother = await RealProcess.OfAsync(Environment.ProcessId, 1000, 1000);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(connectedAsAnother, CancellationToken.None));

        Assert.Contains("connected as uid 1000", e.Message, StringComparison.Ordinal);
        Assert.True(e.CallerChanged);
    }

    [Fact]
    public async Task Attest_PidReusedWhileTheExecutableIsRead_Fails()
    {
        using var proc = new FakeProcRoot();
        var fifo = Path.Combine(proc.Root, "exe-fifo");
        using (var mkfifo = Process.Start("/usr/bin/mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        proc.AddProcess(300, startTime: 1000, exeTarget: fifo);
        var attestor = new UnixWorkloadAttestor(new UnixWorkloadAttestorOptions
        {
            ProcRoot = proc.Root,
            PasswdPath = proc.PasswdPath,
            GroupPath = proc.GroupPath,
            DiscoverWorkloadPath = true,
        });

        var attesting = Task.Run(() => attestor.AttestAsync(new WorkloadProcess(300, 1000, 1000, StartTime: 1000), CancellationToken.None));

        // Opening the pipe's write end waits for the attestor to open the executable, by which time
        // it has read the start time once; another process then takes the pid before the bytes arrive.
        await using (var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write))
        {
            proc.SetStartTime(300, 2000);
            await writer.WriteAsync("binary"u8.ToArray());
        }

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(() => attesting);
        Assert.Contains("pid was reused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_FakeProcess_UsesPeerCredentialsAndLocalAccountFilesOnly()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(400, uid: 1500, gid: 1600, groups: "1600 1700 1800 ");
        proc.WriteAccounts(
            "# local users\nroot:x:0:0:root:/root:/bin/bash\n+nisuser::::::\nsvc:x:1500:1600::/srv:/usr/sbin/nologin\nsvc-alias:x:1500:1600::/srv:/bin/sh\n",
            "root:x:0:\nsvc:x:1600:\nops:x:1700:svc\n");
        var attestor = new UnixWorkloadAttestor(new UnixWorkloadAttestorOptions
        {
            ProcRoot = proc.Root,
            PasswdPath = proc.PasswdPath,
            GroupPath = proc.GroupPath,
        });

        var selectors = await attestor.AttestAsync(new WorkloadProcess(400, 1500, 1600, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        SelectorAssert.AllFit("unix", selectors);
        Assert.Equal(
            [
                "unix:gid:1600",
                "unix:group:svc",
                "unix:supplementary_gid:1600",
                "unix:supplementary_gid:1700",
                "unix:supplementary_gid:1800",
                "unix:supplementary_group:ops",
                "unix:supplementary_group:svc",
                "unix:uid:1500",
                "unix:user:svc",
            ],
            SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_UserWithoutAccountEntry_GetsOnlyNumericSelectors()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(401, uid: 4321, gid: 4321);
        var attestor = new UnixWorkloadAttestor(new UnixWorkloadAttestorOptions
        {
            ProcRoot = proc.Root,
            PasswdPath = proc.PasswdPath,
            GroupPath = proc.GroupPath,
        });

        var selectors = await attestor.AttestAsync(new WorkloadProcess(401, 4321, 4321, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        Assert.Equal(["unix:gid:4321", "unix:uid:4321"], SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_ExecutableLargerThanTheSizeLimit_Fails()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(402, exeTarget: Sleep);
        var attestor = new UnixWorkloadAttestor(new UnixWorkloadAttestorOptions
        {
            ProcRoot = proc.Root,
            PasswdPath = proc.PasswdPath,
            GroupPath = proc.GroupPath,
            DiscoverWorkloadPath = true,
            WorkloadSizeLimit = 1024,
        });

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(402, 1000, 1000, FakeProcRoot.DefaultStartTime), CancellationToken.None));

        Assert.Contains("size limit of 1024 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_NegativeSizeLimit_ReportsThePathWithoutHashing()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(403, exeTarget: Sleep);
        var attestor = new UnixWorkloadAttestor(new UnixWorkloadAttestorOptions
        {
            ProcRoot = proc.Root,
            PasswdPath = proc.PasswdPath,
            GroupPath = proc.GroupPath,
            DiscoverWorkloadPath = true,
            WorkloadSizeLimit = -1,
        });

        var selectors = await attestor.AttestAsync(new WorkloadProcess(403, 1000, 1000, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        Assert.Contains("unix:path:/usr/bin/sleep", SelectorAssert.Texts(selectors));
        Assert.DoesNotContain(selectors, s => s.Value.StartsWith("sha256:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Attest_MalformedStatus_Fails()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(404);
        File.WriteAllText(Path.Combine(proc.Dir(404), "status"), "Name:\tapp\nUid:\tnot numbers\n");
        var attestor = new UnixWorkloadAttestor(new UnixWorkloadAttestorOptions { ProcRoot = proc.Root });

        await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(404, 1000, 1000, FakeProcRoot.DefaultStartTime), CancellationToken.None));
    }

    [Theory]
    [InlineData("123 (sleep) S 1 123 123 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 7771 5582848 224 18446744073709551615", 7771UL)]
    [InlineData("77 (a) b (c)) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 1 1", 99UL)]
    public void TryParseStartTime_CountsFieldsFromTheLastParenthesis(string stat, ulong expected)
    {
        Assert.True(ProcFileSystem.TryParseStartTime(stat, out var startTime));
        Assert.Equal(expected, startTime);
    }

    [Fact]
    public void TryParseStartTime_TruncatedLine_IsRefused()
    {
        Assert.False(ProcFileSystem.TryParseStartTime("123 (sleep) S 1 2 3", out _));
    }

    private static Process StartAs(params string[] setprivArguments)
    {
        var process = Process.Start("/usr/bin/setpriv", setprivArguments);
        WaitForExec(process.Id, Sleep);
        return process;
    }

    // setpriv execs the target in place: the pid is the same, the executable changes.
    private static void WaitForExec(int pid, string executable)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (new FileInfo($"/proc/{pid}/exe").LinkTarget != executable)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"process {pid} did not exec {executable}");
            }

            Thread.Sleep(10);
        }
    }

    private static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string GroupName(int gid) =>
        File.ReadAllLines("/etc/group").Select(l => l.Split(':')).First(f => f[2] == gid.ToString(System.Globalization.CultureInfo.InvariantCulture))[0];

    [Fact]
    public async Task Attest_PidNowHeldByAnotherProcessThanTheOneThatConnected_FailsAsCallerChanged()
    {
        // The process that connected started at tick 1000 and exited; a process of the same user
        // has its pid now, with its own start time. It must not be attested in the caller's place.
        using var proc = new FakeProcRoot();
        proc.AddProcess(405, startTime: 2000, uid: 1000, gid: 1000);
        var attestor = new UnixWorkloadAttestor(new UnixWorkloadAttestorOptions { ProcRoot = proc.Root, PasswdPath = proc.PasswdPath, GroupPath = proc.GroupPath });

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(405, 1000, 1000, StartTime: 1000), CancellationToken.None));

        Assert.True(e.CallerChanged);
        Assert.Equal("process 405 is not the process that connected (start time 1000 at connect, now 2000): the pid was reused", e.Message);
    }
}
