namespace IdentityIssuer.Attestation.Workload;

/// <summary>The container a cgroup path names, and the Kubernetes pod it belongs to if any.</summary>
/// <param name="ContainerId">The 64-hex container id.</param>
/// <param name="PodUid">The pod UID with dashes, for a container of a Kubernetes pod; else null.</param>
internal sealed record ContainerCgroup(string ContainerId, string? PodUid);
