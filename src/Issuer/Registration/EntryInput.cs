namespace IdentityIssuer.Issuer.Registration;

/// <summary>A registration entry as a caller writes it (admin API body, CLI flags), before validation.</summary>
public sealed record EntryInput
{
    /// <summary>The SPIFFE ID to grant.</summary>
    public string? SpiffeId { get; init; }

    /// <summary>The parent (agent or node alias) ID.</summary>
    public string? ParentId { get; init; }

    /// <summary>Selectors as <c>type:value</c>.</summary>
    public IReadOnlyList<string>? Selectors { get; init; }

    /// <summary>X509-SVID lifetime in seconds; 0 or absent for the default.</summary>
    public long X509SvidTtl { get; init; }

    /// <summary>JWT-SVID lifetime in seconds; 0 or absent for the default.</summary>
    public long JwtSvidTtl { get; init; }

    /// <summary>DNS SANs.</summary>
    public IReadOnlyList<string>? DnsNames { get; init; }

    /// <summary>Operator hint.</summary>
    public string? Hint { get; init; }

    /// <summary>Admin flag.</summary>
    public bool Admin { get; init; }

    /// <summary>Downstream flag.</summary>
    public bool Downstream { get; init; }

    /// <summary>When the entry stops being valid.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
