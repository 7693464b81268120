namespace IdentityIssuer.Agent.Ops;

/// <summary>The agent's <c>Ops</c> section: the plain-HTTP listener for <c>/metrics</c> and the health checks.</summary>
internal sealed class AgentOpsOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Ops";

    /// <summary>The default port: next to the issuer's 8088; the gateway's ops port is 8090.</summary>
    public const int DefaultPort = 8089;

    /// <summary>Listen address; loopback by default.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Listen port; 0 turns the ops listener off.</summary>
    public int Port { get; set; } = DefaultPort;
}
