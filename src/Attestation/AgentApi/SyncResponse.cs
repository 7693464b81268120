namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>
/// One page of the agent's sync. <see cref="Entries"/> are the authorized entries changed after the
/// requested revision. On the last page (<see cref="NextPageToken"/> null), <see cref="AuthorizedEntryIds"/>
/// lists every entry the agent is authorized for now, so it drops any it holds that are not listed, and
/// <see cref="Revision"/> is the store revision to ask from next time. <see cref="Bundle"/> is the
/// trust bundle as SPIFFE bundle JSON with <see cref="BundleSequence"/>.
/// </summary>
public sealed record SyncResponse(
    IReadOnlyList<AgentEntry> Entries,
    IReadOnlyList<string>? AuthorizedEntryIds,
    long Revision,
    string? NextPageToken,
    string Bundle,
    long BundleSequence);
