namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>An attested agent as the admin API returns it.</summary>
public sealed record AgentView(
    string AgentId,
    string AttestationType,
    string SvidSerial,
    DateTimeOffset SvidExpiresAt,
    bool Banned,
    bool CanReattest,
    IReadOnlyList<string> Selectors,
    DateTimeOffset AttestedAt,
    DateTimeOffset LastSeenAt);
