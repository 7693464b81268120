namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>The <c>AgentApi</c> configuration section: the HTTPS listener agents attest, sync and sign through.</summary>
public sealed class AgentApiOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "AgentApi";

    /// <summary>Whether the listener opens at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Listen address; open it beyond loopback when agents run on other hosts.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Listen port.</summary>
    public int Port { get; set; } = 8081;

    /// <summary>The <c>x509pop</c> node attestor; off unless a CA bundle is configured.</summary>
    public AgentApiX509PopOptions X509Pop { get; set; } = new();
}
