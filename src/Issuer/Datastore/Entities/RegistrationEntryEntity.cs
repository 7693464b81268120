namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>registration_entries</c>. Timestamps are unix milliseconds.</summary>
internal sealed class RegistrationEntryEntity
{
    public string Id { get; set; } = string.Empty;

    public string SpiffeId { get; set; } = string.Empty;

    public string ParentId { get; set; } = string.Empty;

    public int X509SvidTtlSeconds { get; set; }

    public int JwtSvidTtlSeconds { get; set; }

    /// <summary>DNS names as a JSON array of strings.</summary>
    public string DnsNames { get; set; } = "[]";

    public string Hint { get; set; } = string.Empty;

    public bool Admin { get; set; }

    public bool Downstream { get; set; }

    public long? ExpiresAt { get; set; }

    public long RevisionNumber { get; set; }

    public long CreatedAt { get; set; }

    /// <summary>SHA-256 (lowercase hex) of the sorted <c>type:value</c> lines; part of the identity unique index.</summary>
    public string SelectorsHash { get; set; } = string.Empty;

    /// <summary>How many selectors the entry has; lets subset matching compare counts in SQL.</summary>
    public int SelectorCount { get; set; }

    public List<EntrySelectorEntity> Selectors { get; set; } = [];
}
