namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>
/// An attested agent as the admin API returns it. <see cref="PendingSvidSerial"/> is the SVID the last
/// renewal issued that the agent has not used yet (null when none): until it is used, the current one stays valid.
/// </summary>
public sealed record AgentView(
    string AgentId,
    string AttestationType,
    string SvidSerial,
    DateTimeOffset SvidExpiresAt,
    bool Banned,
    bool CanReattest,
    IReadOnlyList<string> Selectors,
    DateTimeOffset AttestedAt,
    DateTimeOffset LastSeenAt,
    string? PendingSvidSerial);
