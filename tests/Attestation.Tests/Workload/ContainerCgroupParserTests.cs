using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Attestation.Tests.Workload;

public sealed class ContainerCgroupParserTests
{
    private const string Id = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private const string Other = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    private const string PodUid = "0b5c2a1e-77aa-4c1e-9b34-1f0e2c3d4e5f";
    private const string PodUidUnderscores = "0b5c2a1e_77aa_4c1e_9b34_1f0e2c3d4e5f";
    private const string StaticPodUid = "6a3b6d8a2f6c1c2a9a7c1f7c6b5a4d3e";

    [Theory]
    // Docker, cgroupfs driver, cgroup v1 (one line per controller).
    [InlineData("12:pids:/docker/" + Id + "\n11:memory:/docker/" + Id + "\n1:name=systemd:/docker/" + Id + "\n")]
    // Docker, cgroupfs driver, cgroup v2.
    [InlineData("0::/docker/" + Id + "\n")]
    // Docker, systemd driver, cgroup v2 and v1.
    [InlineData("0::/system.slice/docker-" + Id + ".scope\n")]
    [InlineData("4:memory:/system.slice/docker-" + Id + ".scope\n1:name=systemd:/system.slice/docker-" + Id + ".scope\n")]
    // Docker in Docker: the outer container is the one this host's daemon knows.
    [InlineData("0::/docker/" + Id + "/docker/" + Other + "\n")]
    // A process the container's init moved into a child cgroup.
    [InlineData("0::/system.slice/docker-" + Id + ".scope/init.scope\n")]
    public void FromCgroupFile_DockerContainer_FindsTheContainerWithoutAPod(string cgroup)
    {
        var found = ContainerCgroupParser.FromCgroupFile(1, CgroupEntry.ParseFile(cgroup));

        Assert.Equal(new ContainerCgroup(Id, null), found);
    }

    [Theory]
    // cgroupfs driver: containerd, docker (dockershim) and guaranteed QoS (no class level).
    [InlineData("0::/kubepods/burstable/pod" + PodUid + "/" + Id + "\n")]
    [InlineData("11:memory:/kubepods/besteffort/pod" + PodUid + "/" + Id + "\n1:name=systemd:/kubepods/besteffort/pod" + PodUid + "/" + Id + "\n")]
    [InlineData("0::/kubepods/pod" + PodUid + "/" + Id + "\n")]
    // cgroupfs driver, CRI-O.
    [InlineData("0::/kubepods/burstable/pod" + PodUid + "/crio-" + Id + "\n")]
    // systemd driver: containerd, CRI-O and docker, each QoS class.
    [InlineData("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + PodUidUnderscores + ".slice/cri-containerd-" + Id + ".scope\n")]
    [InlineData("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + PodUidUnderscores + ".slice/crio-" + Id + ".scope\n")]
    [InlineData("0::/kubepods.slice/kubepods-pod" + PodUidUnderscores + ".slice/docker-" + Id + ".scope\n")]
    [InlineData("1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + PodUidUnderscores + ".slice/cri-containerd-" + Id + ".scope\n")]
    // kind and other nested kubelets run with a cgroup root of their own.
    [InlineData("0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + PodUidUnderscores + ".slice/cri-containerd-" + Id + ".scope\n")]
    public void FromCgroupFile_KubernetesContainer_FindsPodAndContainer(string cgroup)
    {
        var found = ContainerCgroupParser.FromCgroupFile(1, CgroupEntry.ParseFile(cgroup));

        Assert.Equal(new ContainerCgroup(Id, PodUid), found);
    }

    [Fact]
    public void FromPath_StaticPod_UsesTheManifestHashAsPodUid()
    {
        var found = ContainerCgroupParser.FromPath("/kubepods/burstable/pod" + StaticPodUid + "/" + Id);

        Assert.Equal(new ContainerCgroup(Id, StaticPodUid), found);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/system.slice/nginx.service")]
    [InlineData("/user.slice/user-1000.slice/session-2.scope")]
    [InlineData("/docker/not-a-container-id")]
    [InlineData("/docker")]
    // The pod's own cgroup, and CRI-O's monitor process: no container.
    [InlineData("/kubepods/burstable/pod" + PodUid)]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + PodUidUnderscores + ".slice/crio-conmon-" + Id + ".scope")]
    // Sub-cgroups made in delegated subtrees, named to look like a container.
    [InlineData("/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" + Id + ".scope")]
    [InlineData("/user.slice/docker/" + Id)]
    [InlineData("/system.slice/evil.service/docker-" + Id + ".scope")]
    [InlineData("/system.slice/evil.service/kubepods-pod" + PodUidUnderscores + ".slice/cri-containerd-" + Id + ".scope")]
    [InlineData("/system.slice/evil.service/kubepods/pod" + PodUid + "/" + Id)]
    // A pod directory outside the kubepods hierarchy.
    [InlineData("/pod" + PodUid + "/" + Id)]
    public void FromPath_NotAContainerCgroup_FindsNothing(string path)
    {
        Assert.Null(ContainerCgroupParser.FromPath(path));
    }

    [Fact]
    public void FromCgroupFile_LinesNamingTwoContainers_Fails()
    {
        var cgroup = "4:memory:/docker/" + Id + "\n1:name=systemd:/docker/" + Other + "\n";

        var e = Assert.Throws<WorkloadAttestationException>(
            () => ContainerCgroupParser.FromCgroupFile(77, CgroupEntry.ParseFile(cgroup)));

        Assert.Contains("process 77", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFile_KeepsColonsInThePathAndSkipsGarbage()
    {
        var entries = CgroupEntry.ParseFile("0::/a:b\nnot a cgroup line\n3:cpu,cpuacct:/x\n\n");

        Assert.Equal([new CgroupEntry("0", "", "/a:b"), new CgroupEntry("3", "cpu,cpuacct", "/x")], entries);
    }
}
