namespace IdentityIssuer.Issuer.Configuration;

/// <summary>The <c>Issuer</c> configuration section: who this issuer is and where it keeps its state.</summary>
public sealed class IssuerOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Issuer";

    /// <summary>The trust domain served, e.g. <c>example.org</c>.</summary>
    public string TrustDomain { get; set; } = "example.org";

    /// <summary>Directory for the SQLite database, disk keys and the admin socket; created 0700.</summary>
    public string DataDirectory { get; set; } = ".data";

    /// <summary>X509-SVID lifetime when an entry or request does not set one.</summary>
    public TimeSpan DefaultX509SvidTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>JWT-SVID lifetime when an entry or request does not set one.</summary>
    public TimeSpan DefaultJwtSvidTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest X509-SVID lifetime an entry or request may ask for.</summary>
    public TimeSpan MaxX509SvidTtl { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Longest JWT-SVID lifetime an entry or request may ask for.</summary>
    public TimeSpan MaxJwtSvidTtl { get; set; } = TimeSpan.FromHours(24);
}
