namespace IdentityIssuer.Agent.Configuration;

/// <summary>The <c>Agent</c> configuration section: who the agent trusts, how it attests and where it keeps state.</summary>
public sealed class AgentOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Agent";

    /// <summary>The trust domain, e.g. <c>example.org</c>.</summary>
    public string TrustDomain { get; set; } = "example.org";

    /// <summary>Where the issuer's agent API is when neither address key is set.</summary>
    public const string DefaultIssuerAddress = "https://127.0.0.1:8081";

    /// <summary>The issuer's agent API, e.g. <c>https://issuer.example.org:8081</c>; empty when <see cref="IssuerAddresses"/> is used.</summary>
    public string IssuerAddress { get; set; } = string.Empty;

    /// <summary>
    /// Several issuer replicas' agent APIs, tried in order: on a connection failure, timeout or 503 the
    /// agent tries the next at once and stays with the one that answers. Set this or <see cref="IssuerAddress"/>, not both.
    /// </summary>
    public IList<string> IssuerAddresses { get; } = [];

    /// <summary>PEM file with the trust bundle used to authenticate the issuer before the first sync.</summary>
    public string TrustBundleFile { get; set; } = string.Empty;

    /// <summary>Skip authenticating the issuer at first attestation. For development only; logged loudly.</summary>
    public bool InsecureBootstrap { get; set; }

    /// <summary>Where the agent keeps its SVID, key and last bundle (created 0700).</summary>
    public string DataDirectory { get; set; } = ".data/agent";

    /// <summary>Node attestor: <c>join_token</c> or <c>x509pop</c>.</summary>
    public string NodeAttestor { get; set; } = "join_token";

    /// <summary>The join token (prefer the --join-token flag or IDENTITY_AGENT_Agent__JoinToken).</summary>
    public string JoinToken { get; set; } = string.Empty;

    /// <summary>x509pop: PEM certificate chain of the node (leaf first).</summary>
    public string X509PopCertificateFile { get; set; } = string.Empty;

    /// <summary>x509pop: PEM private key of the node certificate.</summary>
    public string X509PopKeyFile { get; set; } = string.Empty;

    /// <summary>How often the agent asks the issuer for entry changes.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The issuer addresses in use: <see cref="IssuerAddresses"/>, else <see cref="IssuerAddress"/>, else <see cref="DefaultIssuerAddress"/>.</summary>
    public IReadOnlyList<string> EffectiveIssuerAddresses() =>
        IssuerAddresses.Count > 0 ? [.. IssuerAddresses]
        : IssuerAddress.Length > 0 ? [IssuerAddress]
        : [DefaultIssuerAddress];

    /// <summary>Most JWT-SVIDs the agent keeps for its workloads (by entry and audience set); expired ones, then the oldest, make room.</summary>
    public int JwtSvidCacheSize { get; set; } = 1000;

    /// <summary>Most audience sets without a cached JWT-SVID that one SPIFFE ID may ask for per minute; more get ResourceExhausted.</summary>
    public int NewJwtAudiencesPerMinute { get; set; } = 30;

    /// <summary>Key type of workload SVIDs, generated on the agent: <c>ec-p256</c>, <c>ec-p384</c> or <c>rsa-2048</c>.</summary>
    public string WorkloadKeyType { get; set; } = "ec-p256";
}
