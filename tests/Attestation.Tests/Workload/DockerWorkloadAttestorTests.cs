using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Attestation.Tests.Workload;

public sealed class DockerWorkloadAttestorTests
{
    private const string Id = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    [Theory]
    [InlineData("0::/system.slice/docker-" + Id + ".scope\n")]
    [InlineData("12:pids:/docker/" + Id + "\n1:name=systemd:/docker/" + Id + "\n")]
    public async Task Attest_ProcessInAContainer_ReportsContainerImageAndLabels(string cgroup)
    {
        await using var engine = await FakeDockerEngine.StartAsync();
        engine.Containers[Id] = FakeDockerEngine.InspectBody(Id, "nginx:1.27", new Dictionary<string, string>
        {
            ["com.example.tier"] = "frontend",
            ["org.opencontainers.image.version"] = "1.27.0",
            ["maintainer"] = "NGINX Docker Maintainers <docker-maint@nginx.com>",
            ["empty"] = "",
        });
        using var proc = new FakeProcRoot();
        proc.AddProcess(700, cgroup: cgroup);
        using var attestor = Attestor(engine, proc);

        var selectors = await attestor.AttestAsync(new WorkloadProcess(700, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        SelectorAssert.AllFit("docker", selectors);
        Assert.Equal(
            [
                $"docker:container_id:{Id}",
                "docker:image_id:nginx:1.27",
                "docker:label:com.example.tier:frontend",
                "docker:label:empty:",
                "docker:label:maintainer:NGINX Docker Maintainers <docker-maint@nginx.com>",
                "docker:label:org.opencontainers.image.version:1.27.0",
            ],
            SelectorAssert.Texts(selectors));
        Assert.Equal([$"/v1.43/containers/{Id}/json"], engine.RequestPaths);
    }

    [Fact]
    public async Task Attest_ContainerWithoutLabels_ReportsContainerAndImage()
    {
        await using var engine = await FakeDockerEngine.StartAsync();
        engine.Containers[Id] = FakeDockerEngine.InspectBody(Id, "registry.example/app@sha256:0123abcd", labels: null);
        using var proc = new FakeProcRoot();
        proc.AddProcess(701, cgroup: "0::/docker/" + Id + "\n");
        using var attestor = Attestor(engine, proc);

        var selectors = await attestor.AttestAsync(new WorkloadProcess(701, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        SelectorAssert.AllFit("docker", selectors);
        Assert.Equal([$"docker:container_id:{Id}", "docker:image_id:registry.example/app@sha256:0123abcd"], SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_ContainerFoundOnlyThroughItsHostnameMount_ReportsIt()
    {
        await using var engine = await FakeDockerEngine.StartAsync();
        engine.Containers[Id] = FakeDockerEngine.InspectBody(Id, "nginx:1.27", labels: null);
        using var proc = new FakeProcRoot();
        proc.WriteSelfMountInfo("29 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
        proc.AddProcess(
            702,
            cgroup: "0::/\n",
            mountInfo: "613 600 8:1 /var/lib/docker/containers/" + Id + "/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw\n");
        using var attestor = Attestor(engine, proc);

        var selectors = await attestor.AttestAsync(new WorkloadProcess(702, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        Assert.Contains($"docker:container_id:{Id}", SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_ProcessNotInAContainer_ReportsNothingAndDoesNotAskDocker()
    {
        await using var engine = await FakeDockerEngine.StartAsync();
        using var proc = new FakeProcRoot();
        proc.AddProcess(703, cgroup: "0::/system.slice/nginx.service\n", mountInfo: "29 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
        using var attestor = Attestor(engine, proc);

        Assert.Empty(await attestor.AttestAsync(new WorkloadProcess(703, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None));
        Assert.Empty(engine.RequestPaths);
    }

    [Fact]
    public async Task Attest_TestProcess_IsAttestedAsWhereverItRuns()
    {
        using var attestor = new DockerWorkloadAttestor(new DockerWorkloadAttestorOptions { DockerHost = "unix:///nonexistent/docker.sock" });
        var inContainer = ContainerCgroupParser.FromCgroupFile(0, CgroupEntry.ParseFile(File.ReadAllText("/proc/self/cgroup"))) is not null
            || MountInfoContainerFinder.Find(File.ReadAllText("/proc/self/mountinfo"), File.ReadAllText("/proc/self/mountinfo"), "/var/lib/docker") is not null;
        var process = await RealProcess.OfAsync(Environment.ProcessId, 0, 0);

        if (inContainer)
        {
            // In a container, but there is no daemon to ask: the attestor cannot tell.
            await Assert.ThrowsAsync<WorkloadAttestationException>(() => attestor.AttestAsync(process, CancellationToken.None));
        }
        else
        {
            Assert.Empty(await attestor.AttestAsync(process, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Attest_ContainerUnknownToDocker_FailsNamingContainerAndStatus()
    {
        await using var engine = await FakeDockerEngine.StartAsync();
        using var proc = new FakeProcRoot();
        proc.AddProcess(704, cgroup: "0::/docker/" + Id + "\n");
        using var attestor = Attestor(engine, proc);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(704, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None));

        Assert.Contains(Id, e.Message, StringComparison.Ordinal);
        Assert.Contains("404", e.Message, StringComparison.Ordinal);
        Assert.Contains("No such container", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_DockerAnswersAboutAnotherContainer_Fails()
    {
        await using var engine = await FakeDockerEngine.StartAsync();
        engine.Containers[Id] = FakeDockerEngine.InspectBody(new string('b', 64), "nginx:1.27", labels: null);
        using var proc = new FakeProcRoot();
        proc.AddProcess(705, cgroup: "0::/docker/" + Id + "\n");
        using var attestor = Attestor(engine, proc);

        await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(705, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None));
    }

    [Fact]
    public async Task Attest_DockerNotRunning_FailsNamingTheContainer()
    {
        using var proc = new FakeProcRoot();
        proc.AddProcess(706, cgroup: "0::/docker/" + Id + "\n");
        using var attestor = new DockerWorkloadAttestor(new DockerWorkloadAttestorOptions
        {
            DockerHost = "unix://" + Path.Combine(proc.Root, "no-docker.sock"),
            ProcRoot = proc.Root,
        });

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(706, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None));

        Assert.Contains(Id, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:2375")]
    [InlineData("unix://relative.sock")]
    [InlineData("unix://")]
    public void SocketPath_NotAnAbsoluteUnixSocket_IsRefused(string host)
    {
        Assert.Throws<ArgumentException>(() => DockerWorkloadAttestor.SocketPath(host));
    }

    private static DockerWorkloadAttestor Attestor(FakeDockerEngine engine, FakeProcRoot proc) =>
        new(new DockerWorkloadAttestorOptions { DockerHost = engine.DockerHost, ProcRoot = proc.Root });

    [Fact]
    public async Task Attest_PidNowHeldByAnotherProcessThanTheOneThatConnected_FailsAsCallerChanged_WithoutAskingTheEngine()
    {
        await using var engine = await FakeDockerEngine.StartAsync();
        engine.Containers[Id] = FakeDockerEngine.InspectBody(Id, "nginx:1.27", labels: null);
        using var proc = new FakeProcRoot();
        proc.AddProcess(707, startTime: 2000, cgroup: "0::/docker/" + Id + "\n");
        using var attestor = Attestor(engine, proc);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(707, 0, 0, StartTime: 1000), CancellationToken.None));

        Assert.True(e.CallerChanged);
        Assert.Contains("the pid was reused", e.Message, StringComparison.Ordinal);
        Assert.Empty(engine.RequestPaths);
    }
}
