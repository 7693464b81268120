namespace IdentityIssuer.Issuer.Api.Admin;

/// <summary>The <c>AdminApi</c> configuration section: the Unix socket the admin CLI talks to.</summary>
public sealed class AdminApiOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "AdminApi";

    /// <summary>Socket path; empty means <c>&lt;DataDirectory&gt;/admin.sock</c>.</summary>
    public string SocketPath { get; set; } = string.Empty;

    /// <summary>Octal file mode of the socket; 0600 lets only the issuer's user (and root) connect.</summary>
    public string SocketMode { get; set; } = "0600";
}
