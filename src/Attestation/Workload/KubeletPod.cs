namespace IdentityIssuer.Attestation.Workload;

/// <summary>What the k8s attestor reports about one container of a pod from the kubelet's pod list.</summary>
internal sealed record KubeletPod(
    string Uid,
    string Name,
    string Namespace,
    string? ServiceAccountName,
    string? NodeName,
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    string ContainerName,
    string? ContainerImage,
    string? ContainerImageId);
