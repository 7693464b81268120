namespace IdentityIssuer.Gateway.Ops;

/// <summary>The gateway's <c>Ops</c> section: the plain-HTTP listener for <c>/metrics</c> and the health checks.</summary>
internal sealed class GatewayOpsOptions
{
    /// <summary>The default port: beside the issuer's 8088 and the agent's 8089.</summary>
    public const int DefaultPort = 8090;

    /// <summary>Listen address; loopback by default.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Listen port; 0 turns the ops listener off.</summary>
    public int Port { get; set; } = DefaultPort;
}

/// <summary>The gateway's <c>Metrics</c> section.</summary>
internal sealed class GatewayMetricsOptions
{
    /// <summary>
    /// Adds a <c>caller</c> label (the caller's SPIFFE ID) to the decision counter. Off by default: the
    /// number of series then grows with the number of workloads that call the gateway.
    /// </summary>
    public bool PerCallerLabels { get; set; }
}
