using System.Net;
using IdentityIssuer.Gateway.Policy;
using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Gateway.Configuration;

/// <summary>Checks every section at start and reports every problem, each naming its key.</summary>
internal static class GatewaySettingsValidator
{
    public static List<string> Validate(GatewaySettings settings)
    {
        var errors = new List<string>();
        var g = settings.Gateway;
        if (!IPAddress.TryParse(g.Address, out _))
        {
            errors.Add($"Gateway:Address: '{g.Address}' is not an IP address");
        }

        if (g.Port is < 1 or > 65535)
        {
            errors.Add($"Gateway:Port: {g.Port} is not a TCP port (1-65535)");
        }

        if (g.SpiffeId.Length > 0 && !SpiffeId.TryParse(g.SpiffeId, out _, out var idError))
        {
            errors.Add($"Gateway:SpiffeId: {idError}");
        }

        if (g.PolicyFile.Length == 0)
        {
            errors.Add($"Gateway:PolicyFile: required (the tool policy, {PolicyFormats.AcceptedExtensions})");
        }
        else if (PolicyFormats.FromPath(g.PolicyFile) == PolicyFormat.Unspecified)
        {
            errors.Add($"Gateway:PolicyFile: '{g.PolicyFile}': the extension '{Path.GetExtension(g.PolicyFile)}' names no policy format; use {PolicyFormats.AcceptedExtensions}");
        }

        Positive(errors, "Gateway:PolicyReloadInterval", g.PolicyReloadInterval);
        Positive(errors, "Gateway:WorkloadApiTimeout", g.WorkloadApiTimeout);
        if (g.AdminSocketPath.Length == 0)
        {
            errors.Add("Gateway:AdminSocketPath: required");
        }

        NotNegative(errors, "Gateway:CrlGrace", g.CrlGrace);
        NotNegative(errors, "Gateway:CrlClockSkew", g.CrlClockSkew);
        if (g.MaxMcpRequestBytes <= 0)
        {
            errors.Add("Gateway:MaxMcpRequestBytes: must be positive");
        }

        var ops = settings.Ops;
        if (!IPAddress.TryParse(ops.Address, out _))
        {
            errors.Add($"Ops:Address: '{ops.Address}' is not an IP address");
        }

        if (ops.Port is < 0 or > 65535)
        {
            errors.Add($"Ops:Port: {ops.Port} is not a TCP port (1-65535, or 0 for no ops listener)");
        }
        else if (ops.Port > 0 && ops.Port == g.Port)
        {
            errors.Add($"Ops:Port: {ops.Port} is also Gateway:Port; the ops listener needs a port of its own (or 0 for none)");
        }

        var u = settings.Upstream;
        if (u.Address.Length > 0 && u.Addresses.Count > 0)
        {
            errors.Add("Upstream:Address and Upstream:Addresses: set one of them, not both");
        }

        var addresses = u.Addresses.Count > 0
            ? u.Addresses.Select((a, i) => (Key: $"Upstream:Addresses:{i}", Value: a)).ToList()
            : [("Upstream:Address", u.Address)];
        var schemes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, address) in addresses)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var upstream) || upstream.Scheme is not ("http" or "https") || upstream.Query.Length > 0)
            {
                errors.Add($"{key}: {(address.Length == 0 ? "required" : $"'{address}' is not an http:// or https:// address without a query")}");
                continue;
            }

            schemes.Add(upstream.Scheme);
            if (upstream.Scheme == "http" && (u.PresentSvid || u.SpiffeId.Length > 0))
            {
                errors.Add($"Upstream:PresentSvid and Upstream:SpiffeId need an https:// {key}");
            }
        }

        if (schemes.Count > 1)
        {
            errors.Add("Upstream:Addresses: all addresses must use the same scheme (all http:// or all https://)");
        }

        if (u.SpiffeId.Length > 0 && !SpiffeId.TryParse(u.SpiffeId, out _, out var upstreamIdError))
        {
            errors.Add($"Upstream:SpiffeId: {upstreamIdError}");
        }

        if (u.HttpVersion is not ("1.1" or "2"))
        {
            errors.Add($"Upstream:HttpVersion: '{u.HttpVersion}' is not 1.1 or 2");
        }

        if (!Enum.IsDefined(u.HttpVersionPolicy))
        {
            errors.Add("Upstream:HttpVersionPolicy: not RequestVersionOrLower, RequestVersionOrHigher or RequestVersionExact");
        }

        Positive(errors, "Upstream:IdleTimeout", u.IdleTimeout);
        if (u.HealthCheck.Path.Length > 0 && !u.HealthCheck.Path.StartsWith('/'))
        {
            errors.Add($"Upstream:HealthCheck:Path: '{u.HealthCheck.Path}' must start with /");
        }

        Positive(errors, "Upstream:HealthCheck:Interval", u.HealthCheck.Interval);
        Positive(errors, "Upstream:HealthCheck:Timeout", u.HealthCheck.Timeout);
        Positive(errors, "Upstream:Timeout", u.Timeout);
        if (settings.Mcp.Path.Length > 0 && !settings.Mcp.Path.StartsWith('/'))
        {
            errors.Add($"Mcp:Path: '{settings.Mcp.Path}' must start with /");
        }

        foreach (var method in settings.Mcp.AllowedMethods.Where(m => m is "tools/call"))
        {
            errors.Add($"Mcp:AllowedMethods: '{method}' is always authorized by the policy and cannot be listed");
        }

        Positive(errors, "Approvals:Ttl", settings.Approvals.Ttl);
        Positive(errors, "Approvals:PendingTtl", settings.Approvals.PendingTtl);
        if (settings.Approvals.MaxPendingPerCaller is < 1 or > 10000)
        {
            errors.Add($"Approvals:MaxPendingPerCaller: {settings.Approvals.MaxPendingPerCaller} is not 1-10000");
        }

        if (settings.Audit.FilePath.Length == 0)
        {
            errors.Add("Audit:FilePath: required");
        }

        if (settings.Audit.MaxFileBytes < 4096)
        {
            errors.Add("Audit:MaxFileBytes: at least 4096");
        }

        if (settings.Audit.MaxFiles is < 0 or > 100)
        {
            errors.Add("Audit:MaxFiles: 0-100");
        }

        return errors;
    }

    private static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key}: must be a positive duration (hh:mm:ss)");
        }
    }

    private static void NotNegative(List<string> errors, string key, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{key}: must not be negative (hh:mm:ss)");
        }
    }
}
