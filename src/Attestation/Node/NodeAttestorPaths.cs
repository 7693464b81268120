namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// Where agent IDs live: <c>spiffe://TD/identity-issuer/agent/ATTESTOR/…</c> (ADR 0003). Only the
/// issuer hands out IDs in this namespace, and only after a node attestor admitted the node.
/// </summary>
public static class NodeAttestorPaths
{
    /// <summary>Every agent ID's path starts with this.</summary>
    public const string AgentPrefix = "/identity-issuer/agent/";

    /// <summary>The path of the agent an attestor named <paramref name="attestor"/> admits as <paramref name="name"/>.</summary>
    public static string For(string attestor, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(attestor);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"{AgentPrefix}{attestor}/{name}";
    }

    /// <summary>True when the path is <c>/identity-issuer/agent/ATTESTOR/NAME…</c> with both parts non-empty.</summary>
    public static bool IsAgentPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.StartsWith(AgentPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = path.AsSpan(AgentPrefix.Length);
        var slash = rest.IndexOf('/');
        return slash > 0 && slash < rest.Length - 1;
    }

    /// <summary>True when the path belongs to the attestor named <paramref name="attestor"/>.</summary>
    public static bool BelongsTo(string path, string attestor) =>
        IsAgentPath(path) && path.AsSpan(AgentPrefix.Length).StartsWith($"{attestor}/", StringComparison.Ordinal);
}
