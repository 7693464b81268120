using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Attestation.Tests.Workload;

public sealed class WorkloadAttestationRunnerTests
{
    private static readonly WorkloadProcess Caller = new(1234, 1000, 1000, FakeProcRoot.DefaultStartTime);

    [Fact]
    public async Task Attest_SeveralAttestors_ReturnsTheSortedUnion()
    {
        using var runner = new WorkloadAttestationRunner(
        [
            new StubAttestor("unix", "unix:uid:1000", "unix:gid:1000", "unix:uid:1000"),
            new StubAttestor("systemd", "systemd:id:web.service"),
            new StubAttestor("docker"),
        ]);

        var selectors = await runner.AttestAsync(Caller, CancellationToken.None);

        Assert.Equal(["systemd:id:web.service", "unix:gid:1000", "unix:uid:1000"], SelectorAssert.Texts(selectors));
    }

    [Fact]
    public async Task Attest_OneAttestorFindsTheCallerChanged_KeepsThatKnownInTheWholeFailure()
    {
        using var runner = new WorkloadAttestationRunner(
        [
            new StubAttestor("unix", "unix:uid:1000"),
            new StubAttestor("k8s") { Failure = new WorkloadAttestationException("process 1234 is not the process that connected", callerChanged: true) },
        ]);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(() => runner.AttestAsync(Caller, CancellationToken.None));

        Assert.True(e.CallerChanged);
        Assert.Contains("\"k8s\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_OneAttestorFails_FailsTheWholeAttestationNamingIt()
    {
        using var runner = new WorkloadAttestationRunner(
        [
            new StubAttestor("unix", "unix:uid:1000"),
            new StubAttestor("docker") { Failure = new WorkloadAttestationException("container x: GET returned 500") },
        ]);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(() => runner.AttestAsync(Caller, CancellationToken.None));

        Assert.Contains("\"docker\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("500", e.Message, StringComparison.Ordinal);
        Assert.False(e.CallerChanged);
    }

    [Fact]
    public async Task Attest_AttestorThrowsAnUnexpectedException_StillFailsClosedNamingIt()
    {
        using var runner = new WorkloadAttestationRunner([new StubAttestor("k8s") { Failure = new IOException("disk gone") }]);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(() => runner.AttestAsync(Caller, CancellationToken.None));

        Assert.Contains("\"k8s\"", e.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(e.InnerException);
    }

    [Fact]
    public async Task Attest_AttestorProducesAnotherAttestorsSelector_Fails()
    {
        using var runner = new WorkloadAttestationRunner([new StubAttestor("docker", "k8s:ns:kube-system")]);

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(() => runner.AttestAsync(Caller, CancellationToken.None));

        Assert.Contains("k8s:ns:kube-system", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_DuplicateAttestorNames_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new WorkloadAttestationRunner([new StubAttestor("unix"), new StubAttestor("unix")]));
    }

    [Fact]
    public async Task Create_DefaultOptions_RunsUnixAloneOnTheTestProcess()
    {
        using var runner = WorkloadAttestors.Create(new WorkloadAttestorOptions());

        var selectors = await runner.AttestAsync(await RealProcess.OfAsync(Environment.ProcessId, 0, 0), CancellationToken.None);

        Assert.Equal(["unix"], runner.AttestorNames);
        Assert.Contains("unix:uid:0", SelectorAssert.Texts(selectors));
        Assert.All(selectors, s => Assert.Null(SelectorShapes.Check(s)));
    }

    [Fact]
    public async Task Create_AllAttestorsOnAHostProcess_ReportsUnixAndWhateverElseApplies()
    {
        await using var kubelet = await FakeKubelet.StartAsync();
        var options = new WorkloadAttestorOptions();
        options.Enabled.Clear();
        foreach (var name in WorkloadAttestorOptions.KnownAttestors)
        {
            options.Enabled.Add(name);
        }

        options.Unix.DiscoverWorkloadPath = true;
        options.K8s.KubeletUrl = kubelet.Url;
        options.K8s.CaPath = kubelet.CaPath;
        options.K8s.TokenPath = kubelet.TokenPath;
        using var proc = new FakeProcRoot();
        proc.AddProcess(900, uid: 0, gid: 0, cgroup: "0::/system.slice/nginx.service\n", exeTarget: "/usr/bin/sleep", mountInfo: "29 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
        options.Unix.ProcRoot = options.Systemd.ProcRoot = options.Docker.ProcRoot = options.K8s.ProcRoot = proc.Root;
        using var runner = WorkloadAttestors.Create(options);

        var selectors = await runner.AttestAsync(new WorkloadProcess(900, 0, 0, FakeProcRoot.DefaultStartTime), CancellationToken.None);

        Assert.Equal(["unix", "systemd", "docker", "k8s"], runner.AttestorNames);
        var texts = SelectorAssert.Texts(selectors);
        Assert.Contains("systemd:id:nginx.service", texts);
        Assert.Contains("unix:path:/usr/bin/sleep", texts);
        Assert.All(selectors, s => Assert.Null(SelectorShapes.Check(s)));
        Assert.Equal(SelectorSet.Normalize(selectors), selectors);
    }

    [Fact]
    public void Validate_ReportsEveryProblemWithItsKey()
    {
        var options = new WorkloadAttestorOptions();
        options.Enabled.Add("docker");
        options.Enabled.Add("k8s");
        options.Enabled.Add("podman");
        options.Enabled.Add("unix");
        options.Unix.ProcRoot = "proc";
        options.Docker.DockerHost = "tcp://127.0.0.1:2375";
        options.Docker.ApiVersion = "latest";
        options.K8s.KubeletUrl = new Uri("ftp://node:10250");
        options.K8s.MaxPollAttempts = 0;

        var problems = options.Validate();

        Assert.Contains(problems, p => p.Contains("WorkloadAttestors:Enabled names unknown attestor \"podman\"", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("WorkloadAttestors:Enabled names \"unix\" more than once", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("WorkloadAttestors:Unix:ProcRoot", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("WorkloadAttestors:Docker:DockerHost", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("WorkloadAttestors:Docker:ApiVersion", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("WorkloadAttestors:K8s:KubeletUrl", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("WorkloadAttestors:K8s:MaxPollAttempts", StringComparison.Ordinal));
        var e = Assert.Throws<ArgumentException>(() => WorkloadAttestors.Create(options));
        Assert.Contains("podman", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DefaultOptions_HaveNoProblems()
    {
        Assert.Empty(new WorkloadAttestorOptions().Validate());
    }

    [Fact]
    public void Validate_K8sWithMissingCaFile_NamesTheKey()
    {
        var options = new WorkloadAttestorOptions();
        options.Enabled.Add("k8s");
        options.K8s.CaPath = "/nonexistent/ca.crt";

        Assert.Contains(options.Validate(), p => p.StartsWith("WorkloadAttestors:K8s:CaPath", StringComparison.Ordinal));
    }

    private sealed class StubAttestor(string name, params string[] selectors) : IWorkloadAttestor
    {
        public string Name => name;

        public Exception? Failure { get; init; }

        public async Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken)
        {
            await Task.Yield();
            if (Failure is not null)
            {
                throw Failure;
            }

            return [.. selectors.Select(Selector.Parse)];
        }
    }
}
