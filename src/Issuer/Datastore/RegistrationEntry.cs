using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// A registration entry: callers whose selectors include <see cref="Selectors"/> and who run under
/// <see cref="ParentId"/> earn <see cref="SpiffeId"/>.
/// </summary>
public sealed record RegistrationEntry
{
    /// <summary>Opaque entry id, assigned by the datastore on create (a GUID in "N" form).</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The SPIFFE ID the entry grants, in canonical string form.</summary>
    public required string SpiffeId { get; init; }

    /// <summary>The SPIFFE ID of the agent (or node alias) the workload must run under.</summary>
    public required string ParentId { get; init; }

    /// <summary>Selectors, sorted and unique.</summary>
    public required IReadOnlyList<Selector> Selectors { get; init; }

    /// <summary>X509-SVID lifetime in seconds; 0 means the issuer default.</summary>
    public int X509SvidTtlSeconds { get; init; }

    /// <summary>JWT-SVID lifetime in seconds; 0 means the issuer default.</summary>
    public int JwtSvidTtlSeconds { get; init; }

    /// <summary>DNS SANs to add to the X509-SVID, in order.</summary>
    public IReadOnlyList<string> DnsNames { get; init; } = [];

    /// <summary>Optional operator hint (SPIFFE Workload API field 5); empty when absent.</summary>
    public string Hint { get; init; } = string.Empty;

    /// <summary>Whether holders of this identity may use the admin API.</summary>
    public bool Admin { get; init; }

    /// <summary>Whether holders may act as a downstream (nested) CA.</summary>
    public bool Downstream { get; init; }

    /// <summary>When the entry itself stops being valid; null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Store-wide revision number of the last change; assigned by the datastore.</summary>
    public long RevisionNumber { get; init; }

    /// <summary>When the entry was created; assigned by the datastore.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}
