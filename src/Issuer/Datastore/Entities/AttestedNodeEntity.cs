namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>attested_nodes</c>.</summary>
internal sealed class AttestedNodeEntity
{
    public string SpiffeId { get; set; } = string.Empty;

    public string AttestationType { get; set; } = string.Empty;

    public string CertificateSerial { get; set; } = string.Empty;

    public long CertificateNotAfter { get; set; }

    /// <summary>Selectors as a JSON array of <c>type:value</c> strings.</summary>
    public string Selectors { get; set; } = "[]";

    public bool CanReattest { get; set; }

    public bool Banned { get; set; }

    public long CreatedAt { get; set; }

    public long LastSeenAt { get; set; }

    // Added by migration PendingAgentSvid, so last: SQLite appends added columns, and the schema test compares the table text.

    /// <summary>Serial of the SVID the last renewal issued, until the agent first uses it; null when none is pending.</summary>
    public string? NewCertificateSerial { get; set; }

    public long? NewCertificateNotAfter { get; set; }
}
