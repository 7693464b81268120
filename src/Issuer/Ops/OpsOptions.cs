namespace IdentityIssuer.Issuer.Ops;

/// <summary>The <c>Ops</c> configuration section: the plain-HTTP port for health checks.</summary>
public sealed class OpsOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Ops";

    /// <summary>Listen address; loopback by default.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Listen port; 0 turns the ops listener off.</summary>
    public int Port { get; set; } = 8088;
}
