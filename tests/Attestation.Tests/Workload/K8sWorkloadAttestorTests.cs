using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Attestation.Tests.Workload;

public sealed class K8sWorkloadAttestorTests
{
    private const string ContainerId = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private const string PodUid = "0b5c2a1e-77aa-4c1e-9b34-1f0e2c3d4e5f";
    private const string SystemdCgroup =
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b5c2a1e_77aa_4c1e_9b34_1f0e2c3d4e5f.slice/cri-containerd-" + ContainerId + ".scope\n";

    private static readonly string[] ExpectedSelectors =
    [
        "k8s:container-image:registry.example/checkout:2.4.1",
        "k8s:container-image:registry.example/checkout@sha256:3333333333333333333333333333333333333333333333333333333333333333",
        "k8s:container-name:app",
        "k8s:node-name:node-1",
        "k8s:ns:payments",
        "k8s:pod-label:app.kubernetes.io/version:2.4.1",
        "k8s:pod-label:app:checkout",
        "k8s:pod-label:pod-template-hash:7c9f8d6b5",
        "k8s:pod-name:checkout-7c9f8d6b5-q2w4e",
        "k8s:pod-uid:" + PodUid,
        "k8s:sa:checkout",
    ];

    [Theory]
    [InlineData(SystemdCgroup)]
    [InlineData("0::/kubepods/burstable/pod" + PodUid + "/" + ContainerId + "\n")]
    public async Task Attest_ContainerOfAPod_ReportsPodAndContainer(string cgroup)
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        kubelet.PodList = _ => FakeKubelet.PodListWith(PodUid, ContainerId);
        using var proc = new FakeProcRoot();
        proc.AddProcess(800, cgroup: cgroup);
        using var attestor = Attestor(kubelet, proc);

        var selectors = await attestor.AttestAsync(new WorkloadProcess(800, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        SelectorAssert.AllFit("k8s", selectors);
        Assert.Equal(ExpectedSelectors, SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_JustStartedContainer_WaitsUntilTheKubeletListsIt()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        var empty = """{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}""";
        kubelet.PodList = n => n < 3 ? empty : FakeKubelet.PodListWith(PodUid, ContainerId, runtime: "cri-o");
        using var proc = new FakeProcRoot();
        proc.AddProcess(801, cgroup: SystemdCgroup);
        using var attestor = Attestor(kubelet, proc);

        var selectors = await attestor.AttestAsync(new WorkloadProcess(801, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        Assert.Equal(ExpectedSelectors, SelectorAssert.Texts(selectors));
        Assert.Equal(3, kubelet.Requests);
    }

    [Fact]
    public async Task Attest_ContainerNeverListed_FailsAfterTheConfiguredAttempts()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        kubelet.PodList = _ => FakeKubelet.PodListWith(PodUid, new string('f', 64));
        using var proc = new FakeProcRoot();
        proc.AddProcess(802, cgroup: SystemdCgroup);
        using var attestor = Attestor(kubelet, proc, attempts: 4);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(802, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None));

        Assert.Contains(ContainerId, e.Message, StringComparison.Ordinal);
        Assert.Equal(4, kubelet.Requests);
    }

    [Fact]
    public async Task Attest_ContainerListedUnderAnotherPod_Fails()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        kubelet.PodList = _ => FakeKubelet.PodListWith("12345678-1234-1234-1234-123456789012", ContainerId);
        using var proc = new FakeProcRoot();
        proc.AddProcess(803, cgroup: SystemdCgroup);
        using var attestor = Attestor(kubelet, proc);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(803, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None));

        Assert.Contains(PodUid, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_WrongToken_FailsWithTheKubeletsStatus()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        kubelet.PodList = _ => FakeKubelet.PodListWith(PodUid, ContainerId);
        File.WriteAllText(kubelet.TokenPath, "someone-elses-token");
        using var proc = new FakeProcRoot();
        proc.AddProcess(804, cgroup: SystemdCgroup);
        using var attestor = Attestor(kubelet, proc);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(804, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None));

        Assert.Contains("401", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("someone-elses-token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_KubeletCertificateFromAnotherCa_IsRefused()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        await using var other = await FakeKubelet.StartAsync();
        kubelet.PodList = _ => FakeKubelet.PodListWith(PodUid, ContainerId);
        using var proc = new FakeProcRoot();
        proc.AddProcess(805, cgroup: SystemdCgroup);
        using var attestor = new K8sWorkloadAttestor(new K8sWorkloadAttestorOptions
        {
            KubeletUrl = kubelet.Url,
            TokenPath = kubelet.TokenPath,
            CaPath = other.CaPath,
            ProcRoot = proc.Root,
        });

        await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(805, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None));
        Assert.Equal(0, kubelet.Requests);
    }

    [Fact]
    public async Task Attest_SkipVerification_AcceptsAnyKubeletCertificate()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        kubelet.PodList = _ => FakeKubelet.PodListWith(PodUid, ContainerId);
        using var proc = new FakeProcRoot();
        proc.AddProcess(806, cgroup: SystemdCgroup);
        using var attestor = new K8sWorkloadAttestor(new K8sWorkloadAttestorOptions
        {
            KubeletUrl = kubelet.Url,
            TokenPath = kubelet.TokenPath,
            CaPath = "",
            SkipKubeletVerification = true,
            ProcRoot = proc.Root,
        });

        var selectors = await attestor.AttestAsync(new WorkloadProcess(806, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        Assert.Equal(ExpectedSelectors, SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_ReadOnlyPortWithoutToken_ReportsPodAndContainer()
    {
        await using var kubelet = await FakeKubelet.StartAsync(https: false);
        kubelet.PodList = _ => FakeKubelet.PodListWith(PodUid, ContainerId, runtime: "docker");
        using var proc = new FakeProcRoot();
        proc.AddProcess(807, cgroup: "0::/kubepods/burstable/pod" + PodUid + "/" + ContainerId + "\n");
        using var attestor = new K8sWorkloadAttestor(new K8sWorkloadAttestorOptions
        {
            KubeletUrl = kubelet.Url,
            TokenPath = "",
            CaPath = "",
            ProcRoot = proc.Root,
        });

        var selectors = await attestor.AttestAsync(new WorkloadProcess(807, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        Assert.Equal(ExpectedSelectors, SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_ProcessNotInAPod_ReportsNothingAndDoesNotAskTheKubelet()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        using var proc = new FakeProcRoot();
        proc.AddProcess(808, cgroup: "0::/system.slice/docker-" + ContainerId + ".scope\n");
        using var attestor = Attestor(kubelet, proc);

        Assert.Empty(await attestor.AttestAsync(new WorkloadProcess(808, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None));
        Assert.Equal(0, kubelet.Requests);
    }

    [Fact]
    public async Task Attest_TestProcess_IsNotInAPod()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        using var attestor = new K8sWorkloadAttestor(new K8sWorkloadAttestorOptions
        {
            KubeletUrl = kubelet.Url,
            TokenPath = kubelet.TokenPath,
            CaPath = kubelet.CaPath,
        });
        var inPod = ContainerCgroupParser.FromCgroupFile(0, CgroupEntry.ParseFile(File.ReadAllText("/proc/self/cgroup")))?.PodUid is not null;

        var attesting = attestor.AttestAsync(await RealProcess.OfAsync(Environment.ProcessId, 0, 0), CancellationToken.None);

        if (inPod)
        {
            // The fake kubelet does not list this pod.
            await Assert.ThrowsAsync<WorkloadAttestationException>(() => attesting);
        }
        else
        {
            Assert.Empty(await attesting);
        }
    }

    private static K8sWorkloadAttestor Attestor(FakeKubelet kubelet, FakeProcRoot proc, int attempts = 10) =>
        new(new K8sWorkloadAttestorOptions
        {
            KubeletUrl = kubelet.Url,
            TokenPath = kubelet.TokenPath,
            CaPath = kubelet.CaPath,
            ProcRoot = proc.Root,
            MaxPollAttempts = attempts,
            PollRetryInterval = TimeSpan.FromMilliseconds(10),
        });

    [Fact]
    public async Task Attest_PidNowHeldByAnotherProcessThanTheOneThatConnected_FailsAsCallerChanged_WithoutAskingTheKubelet()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        kubelet.PodList = _ => FakeKubelet.PodListWith(PodUid, ContainerId);
        using var proc = new FakeProcRoot();
        proc.AddProcess(809, startTime: 2000, cgroup: SystemdCgroup);
        using var attestor = Attestor(kubelet, proc);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(
            () => attestor.AttestAsync(new WorkloadProcess(809, 0, 0, StartTime: 1000), CancellationToken.None));

        Assert.True(e.CallerChanged);
        Assert.Contains("the pid was reused", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, kubelet.Requests);
    }
}
