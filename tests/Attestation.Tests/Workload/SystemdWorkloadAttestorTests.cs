using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Attestation.Tests.Workload;

public sealed class SystemdWorkloadAttestorTests
{
    private const string Id = "3f4e5c9a1b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";

    [Theory]
    [InlineData("0::/system.slice/nginx.service\n", "nginx.service")]
    [InlineData("0::/system.slice/system-getty.slice/getty@tty1.service\n", "getty@tty1.service")]
    [InlineData("0::/user.slice/user-1000.slice/session-3.scope\n", "session-3.scope")]
    [InlineData("0::/init.scope\n", "init.scope")]
    [InlineData("0::/system.slice/docker-" + Id + ".scope\n", "docker-" + Id + ".scope")]
    [InlineData("0::/system.slice/docker.service/delegated/child\n", "docker.service")]
    [InlineData("0::/system.slice/systemd-journald.socket\n", "systemd-journald.socket")]
    [InlineData(
        "12:pids:/system.slice/sshd.service\n11:memory:/system.slice/sshd.service\n1:name=systemd:/system.slice/sshd.service\n",
        "sshd.service")]
    [InlineData(
        "13:cpuset:/\n1:name=systemd:/system.slice/cron.service\n0::/system.slice/cron.service\n",
        "cron.service")]
    public void Resolve_ProcessInAUnit_NamesTheUnit(string cgroup, string unit)
    {
        Assert.Equal(unit, SystemdUnitResolver.FromCgroupFile(CgroupEntry.ParseFile(cgroup)));
    }

    // A user's own service manager and any Delegate=yes service name their sub-cgroups freely; a
    // sub-cgroup called nginx.service must still be attested as the unit that owns it.
    [Theory]
    [InlineData("0::/user.slice/user-1000.slice/user@1000.service/app.slice/nginx.service\n", "user@1000.service")]
    [InlineData("0::/system.slice/evil.service/nginx.service\n", "evil.service")]
    public void Resolve_SubCgroupOfADelegatedUnit_NamesTheOwningUnit(string cgroup, string unit)
    {
        Assert.Equal(unit, SystemdUnitResolver.FromCgroupFile(CgroupEntry.ParseFile(cgroup)));
    }

    [Theory]
    [InlineData("0::/\n")]
    [InlineData("0::/system.slice\n")]
    [InlineData("0::/docker/" + Id + "\n")]
    [InlineData("0::/kubepods/burstable/pod0b5c2a1e-77aa-4c1e-9b34-1f0e2c3d4e5f/" + Id + "\n")]
    [InlineData("4:memory:/process_api/abc\n1:cpu:/\n")]
    [InlineData("9:name=systemd:/\n4:memory:/process_api/abc\n0::/\n")]
    [InlineData("")]
    public void Resolve_ProcessInNoUnit_FindsNone(string cgroup)
    {
        Assert.Null(SystemdUnitResolver.FromCgroupFile(CgroupEntry.ParseFile(cgroup)));
    }

    [Fact]
    public async Task Attest_ProcessInAService_ReportsItsUnitId()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(500, cgroup: "0::/system.slice/nginx.service\n");
        var attestor = new SystemdWorkloadAttestor(new SystemdWorkloadAttestorOptions { ProcRoot = proc.Root });

        var selectors = await attestor.AttestAsync(new WorkloadProcess(500, 1000, 1000, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        SelectorAssert.AllFit("systemd", selectors);
        Assert.Equal(["systemd:id:nginx.service"], SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_ProcessOutsideAnyUnit_ReportsNothing()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(501, cgroup: "0::/\n");
        var attestor = new SystemdWorkloadAttestor(new SystemdWorkloadAttestorOptions { ProcRoot = proc.Root });

        Assert.Empty(await attestor.AttestAsync(new WorkloadProcess(501, 1000, 1000, FakeProcRoot.DefaultStartTime), CancellationToken.None));
    }

    [Fact]
    public async Task Attest_TestProcess_ReportsAtMostItsOwnUnit()
    {
        var attestor = new SystemdWorkloadAttestor(new SystemdWorkloadAttestorOptions());
        var expected = SystemdUnitResolver.FromCgroupFile(CgroupEntry.ParseFile(File.ReadAllText("/proc/self/cgroup")));

        var selectors = await attestor.AttestAsync(await RealProcess.OfAsync(Environment.ProcessId, 0, 0), CancellationToken.None);

        SelectorAssert.AllFit("systemd", selectors);
        Assert.Equal(expected is null ? [] : [$"systemd:id:{expected}"], SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_ProcessThatDoesNotExist_Fails()
    {
        using var proc = new FakeProcRoot();
        var attestor = new SystemdWorkloadAttestor(new SystemdWorkloadAttestorOptions { ProcRoot = proc.Root });

        await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(502, 1000, 1000, FakeProcRoot.DefaultStartTime), CancellationToken.None));
    }

    [Fact]
    public async Task Attest_PidNowHeldByAnotherProcessThanTheOneThatConnected_FailsAsCallerChanged()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(503, startTime: 2000, cgroup: "0::/system.slice/nginx.service\n");
        var attestor = new SystemdWorkloadAttestor(new SystemdWorkloadAttestorOptions { ProcRoot = proc.Root });

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(503, 1000, 1000, StartTime: 1000), CancellationToken.None));

        Assert.True(e.CallerChanged);
        Assert.Contains("the pid was reused", e.Message, StringComparison.Ordinal);
    }
}
