using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Attestation.Tests.Workload;

/// <summary>A running process as the Workload API sees it when the process connects: its ids and its start time now.</summary>
internal static class RealProcess
{
    private static readonly WorkloadProcessProbe Probe = new();

    public static Task<WorkloadProcess> OfAsync(int processId, int userId, int groupId) =>
        Probe.CaptureAsync(processId, userId, groupId, CancellationToken.None);
}
