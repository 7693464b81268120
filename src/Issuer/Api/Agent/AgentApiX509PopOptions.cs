namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>The <c>AgentApi:X509Pop</c> section.</summary>
public sealed class AgentApiX509PopOptions
{
    /// <summary>PEM file of the CA certificates node certificates must chain to; empty disables x509pop.</summary>
    public string CaBundleFile { get; set; } = string.Empty;
}
