namespace IdentityIssuer.Gateway.Configuration;

/// <summary>The whole configuration of <c>identity-gateway run</c>, one property per section.</summary>
internal sealed class GatewaySettings
{
    public GatewayOptions Gateway { get; set; } = new();

    public UpstreamOptions Upstream { get; set; } = new();

    public List<ToolRouteOptions> Routes { get; set; } = [];

    public McpOptions Mcp { get; set; } = new();

    public ApprovalOptions Approvals { get; set; } = new();

    public AuditOptions Audit { get; set; } = new();

    /// <summary>The <c>Ops</c> section: <c>/metrics</c> and the health checks on plain HTTP.</summary>
    public Ops.GatewayOpsOptions Ops { get; set; } = new();

    /// <summary>The <c>Metrics</c> section.</summary>
    public Ops.GatewayMetricsOptions Metrics { get; set; } = new();
}

/// <summary>The <c>Gateway</c> section: the listener, the Workload API, the policy and the admin socket.</summary>
internal sealed class GatewayOptions
{
    public string Address { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 9443;

    /// <summary>Workload API address (<c>unix:///path</c>); empty: <c>SPIFFE_ENDPOINT_SOCKET</c>.</summary>
    public string WorkloadApiSocket { get; set; } = string.Empty;

    /// <summary>Which of the Workload API's SVIDs the gateway serves; empty: the first (default) one.</summary>
    public string SpiffeId { get; set; } = string.Empty;

    /// <summary>How long to wait at start for the first SVID.</summary>
    public TimeSpan WorkloadApiTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public string PolicyFile { get; set; } = string.Empty;

    public TimeSpan PolicyReloadInterval { get; set; } = TimeSpan.FromSeconds(2);

    public string AdminSocketPath { get; set; } = ".data/gateway/admin.sock";

    /// <summary>How long past its nextUpdate a CRL is still relied on; after that its CA's certificates are refused.</summary>
    public TimeSpan CrlGrace { get; set; } = Identity.CrlFreshnessOptions.DefaultGrace;

    /// <summary>How far in the future a CRL's thisUpdate may be before it is refused.</summary>
    public TimeSpan CrlClockSkew { get; set; } = Identity.CrlFreshnessOptions.DefaultClockSkew;

    /// <summary>The largest MCP request body, or body of a high-risk REST call, the gateway reads to authorize it.</summary>
    public long MaxMcpRequestBytes { get; set; } = 1024 * 1024;
}

/// <summary>The <c>Upstream</c> section: where allowed requests go.</summary>
internal sealed class UpstreamOptions
{
    /// <summary>The tool API's base address, <c>http://…</c> or <c>https://…</c>; or use <see cref="Addresses"/>.</summary>
    public string Address { get; set; } = string.Empty;

    /// <summary>Several base addresses of the same tool API: requests go to the first healthy one, in this order.</summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary><see cref="Addresses"/>, or <see cref="Address"/> alone.</summary>
    public IReadOnlyList<string> EffectiveAddresses() => Addresses.Count > 0 ? Addresses : [Address];

    /// <summary>The HTTP version asked of the upstream: <c>1.1</c> or <c>2</c>.</summary>
    public string HttpVersion { get; set; } = "1.1";

    /// <summary>
    /// Whether <see cref="HttpVersion"/> may be lowered or raised: with the default, an https upstream
    /// that offers HTTP/2 in ALPN gets HTTP/2; <c>RequestVersionExact</c> with <c>2</c> insists on HTTP/2
    /// (prior knowledge over http://).
    /// </summary>
    public System.Net.Http.HttpVersionPolicy HttpVersionPolicy { get; set; } = System.Net.Http.HttpVersionPolicy.RequestVersionOrHigher;

    /// <summary>Active health checks of every address; off while <see cref="UpstreamHealthCheckOptions.Path"/> is empty.</summary>
    public UpstreamHealthCheckOptions HealthCheck { get; set; } = new();

    /// <summary>Present the gateway's SVID as client certificate to an https upstream.</summary>
    public bool PresentSvid { get; set; }

    /// <summary>For an https upstream: the SPIFFE ID its SVID must carry; empty: any SVID of a known trust domain.</summary>
    public string SpiffeId { get; set; } = string.Empty;

    /// <summary>
    /// The longest a whole answer may take, from sending the request to its last byte. For an event
    /// stream (<c>text/event-stream</c>, passed through unchanged) it ends when the answer's headers
    /// arrive; from then on only <see cref="IdleTimeout"/> limits the stream.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>The longest the request or answer may go without a byte moving either way; then the exchange is cut.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// Pass the caller's <c>Authorization</c> header on to the upstream. Off by default: MCP's
    /// authorization rules forbid token passthrough, and the upstream learns who called from the gateway.
    /// </summary>
    public bool ForwardAuthorization { get; set; }
}

/// <summary>The <c>Upstream:HealthCheck</c> section: a periodic GET of one path on every upstream address.</summary>
internal sealed class UpstreamHealthCheckOptions
{
    /// <summary>The path probed on each address (e.g. <c>/healthz</c>); a 2xx answer is healthy. Empty: no probes.</summary>
    public string Path { get; set; } = string.Empty;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one probe may take before its address counts as unhealthy.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>One entry of <c>Routes</c>: a REST request template and the tool call it stands for.</summary>
internal sealed class ToolRouteOptions
{
    /// <summary>HTTP methods; empty: any.</summary>
    public List<string> Methods { get; set; } = [];

    /// <summary>An ASP.NET Core route template, e.g. <c>/search/{index}</c> or <c>/files/{**path}</c>.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>The tool: literal text with <c>{routeValue}</c> and <c>{query.name}</c> placeholders.</summary>
    public string Tool { get; set; } = string.Empty;

    public string Action { get; set; } = string.Empty;

    public string Target { get; set; } = string.Empty;
}

/// <summary>The <c>Mcp</c> section: MCP over HTTP (JSON-RPC) at one path.</summary>
internal sealed class McpOptions
{
    /// <summary>The MCP endpoint's path; empty: no MCP mapping.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>The <c>tools/call</c> argument that is the target, for tools not in <see cref="TargetArguments"/>.</summary>
    public string TargetArgument { get; set; } = string.Empty;

    /// <summary>Per tool: the argument that is its target.</summary>
    public Dictionary<string, string> TargetArguments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>JSON-RPC methods any valid caller may send besides tools/call.</summary>
    public List<string> AllowedMethods { get; set; } = ["initialize", "notifications/initialized", "ping", "tools/list"];
}

/// <summary>The <c>Approvals</c> section: approvals of high-risk calls.</summary>
internal sealed class ApprovalOptions
{
    /// <summary>How long an approval may wait for the retried call.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a request waits for a decision before it is dropped.</summary>
    public TimeSpan PendingTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Pending requests one caller may have at once; a call beyond it is refused with 429.</summary>
    public int MaxPendingPerCaller { get; set; } = 20;
}

/// <summary>The <c>Audit</c> section: one JSON line per decision.</summary>
internal sealed class AuditOptions
{
    public string FilePath { get; set; } = ".data/gateway/audit.log";

    public long MaxFileBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Rotated files kept besides the current one (audit.log.1 … audit.log.N).</summary>
    public int MaxFiles { get; set; } = 5;

    public bool Stdout { get; set; } = true;
}
