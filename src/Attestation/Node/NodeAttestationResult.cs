using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// The outcome of a node attestation. It is a failure unless made with <see cref="Success"/>, so a
/// result nobody filled in admits nobody.
/// </summary>
public sealed class NodeAttestationResult
{
    private NodeAttestationResult(bool isValid, string error, string agentPath, IReadOnlyList<Selector> selectors, bool canReattest)
    {
        IsValid = isValid;
        Error = error;
        AgentPath = agentPath;
        Selectors = selectors;
        CanReattest = canReattest;
    }

    /// <summary>True only when the evidence proved the node's identity.</summary>
    public bool IsValid { get; }

    /// <summary>What was wrong with the evidence; empty on success. Never holds a secret.</summary>
    public string Error { get; }

    /// <summary>
    /// The agent ID's path (after <c>spiffe://TD</c>), under <c>/identity-issuer/agent/NAME/</c>;
    /// empty on failure.
    /// </summary>
    public string AgentPath { get; }

    /// <summary>Selectors describing the node, sorted and unique; empty on failure.</summary>
    public IReadOnlyList<Selector> Selectors { get; }

    /// <summary>Whether the same evidence may admit the node again (false for single-use evidence).</summary>
    public bool CanReattest { get; }

    /// <summary>A refusal naming what was wrong.</summary>
    public static NodeAttestationResult Failure(string error)
    {
        ArgumentException.ThrowIfNullOrEmpty(error);
        return new NodeAttestationResult(false, error, string.Empty, [], false);
    }

    /// <summary>An admission for the agent at <paramref name="agentPath"/>.</summary>
    /// <exception cref="ArgumentException">The path is not under <see cref="NodeAttestorPaths.AgentPrefix"/>.</exception>
    public static NodeAttestationResult Success(string agentPath, IEnumerable<Selector> selectors, bool canReattest)
    {
        ArgumentNullException.ThrowIfNull(agentPath);
        ArgumentNullException.ThrowIfNull(selectors);
        if (!NodeAttestorPaths.IsAgentPath(agentPath))
        {
            throw new ArgumentException($"agent path '{agentPath}' is not under {NodeAttestorPaths.AgentPrefix}ATTESTOR/", nameof(agentPath));
        }

        return new NodeAttestationResult(true, string.Empty, agentPath, SelectorSet.Normalize(selectors), canReattest);
    }
}
