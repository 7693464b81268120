using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Attestation.Tests.Workload;

public sealed class MountInfoContainerFinderTests
{
    private const string Id = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    private const string AgentOnRootDisk =
        "22 1 0:21 / /proc rw,relatime - proc proc rw\n"
        + "29 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n";

    private const string AgentWithDockerDisk =
        AgentOnRootDisk + "35 29 8:17 / /var/lib/docker rw,relatime shared:20 - xfs /dev/sdb1 rw\n";

    [Fact]
    public void Find_HostnameMountFromTheDataRoot_FindsTheContainer()
    {
        var workload =
            "600 590 0:70 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC\n"
            + "612 600 8:1 /var/lib/docker/containers/" + Id + "/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/sda1 rw\n"
            + "613 600 8:1 /var/lib/docker/containers/" + Id + "/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw\n";

        Assert.Equal(Id, MountInfoContainerFinder.Find(workload, AgentOnRootDisk, "/var/lib/docker"));
    }

    [Fact]
    public void Find_DataRootOnItsOwnDisk_FindsTheContainerByItsPathOnThatDisk()
    {
        var workload = "613 600 8:17 /containers/" + Id + "/hostname /etc/hostname rw,relatime - xfs /dev/sdb1 rw\n";

        Assert.Equal(Id, MountInfoContainerFinder.Find(workload, AgentWithDockerDisk, "/var/lib/docker"));
    }

    // Anyone allowed to mount a file system (in a user namespace) picks the paths inside it.
    [Theory]
    [InlineData("613 600 0:99 /containers/" + Id + "/hostname /etc/hostname rw - tmpfs tmpfs rw\n")]
    [InlineData("613 600 0:99 /var/lib/docker/containers/" + Id + "/hostname /etc/hostname rw - tmpfs tmpfs rw\n")]
    [InlineData("613 600 8:1 /home/u/var/lib/docker/containers/" + Id + "/hostname /etc/hostname rw - ext4 /dev/sda1 rw\n")]
    [InlineData("613 600 8:17 /containers/" + Id + "/hostname /mnt/hostname rw - xfs /dev/sdb1 rw\n")]
    [InlineData("613 600 8:17 /containers/short/hostname /etc/hostname rw - xfs /dev/sdb1 rw\n")]
    public void Find_MountNotFromTheDataRoot_FindsNothing(string workload)
    {
        Assert.Null(MountInfoContainerFinder.Find(workload, AgentWithDockerDisk, "/var/lib/docker"));
    }

    [Fact]
    public void Find_HostProcess_FindsNothing()
    {
        Assert.Null(MountInfoContainerFinder.Find(AgentOnRootDisk, AgentOnRootDisk, "/var/lib/docker"));
    }
}
