namespace IdentityIssuer.Issuer.Api.Bundle;

/// <summary>The <c>BundleEndpoint</c> configuration section: the HTTPS endpoint that publishes the trust bundle.</summary>
public sealed class BundleEndpointOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "BundleEndpoint";

    /// <summary>Whether the endpoint listens at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Listen address; open it beyond loopback for federation.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Listen port.</summary>
    public int Port { get; set; } = 8443;

    /// <summary><c>https_spiffe</c> (the issuer's own SVID) or <c>https_web</c> (a configured certificate).</summary>
    public string Profile { get; set; } = "https_spiffe";

    /// <summary>PEM certificate (chain) for <c>https_web</c>.</summary>
    public string CertificateFile { get; set; } = string.Empty;

    /// <summary>PEM private key for <c>https_web</c>.</summary>
    public string KeyFile { get; set; } = string.Empty;

    /// <summary>The <c>spiffe_refresh_hint</c> published with the bundle.</summary>
    public TimeSpan RefreshHint { get; set; } = TimeSpan.FromMinutes(5);
}
