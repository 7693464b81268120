using IdentityIssuer.Attestation.Node;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// The node attestors this issuer accepts, by attestation type: <c>join_token</c> always, <c>x509pop</c>
/// when <c>AgentApi:X509Pop:CaBundleFile</c> is set (the bundle is read once, at start).
/// </summary>
internal sealed class NodeAttestorRegistry
{
    private readonly Dictionary<string, INodeAttestor> _attestors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _challengeTypes = new(StringComparer.Ordinal);

    public NodeAttestorRegistry(IOptions<AgentApiOptions> options)
    {
        Add(new JoinTokenAttestor());
        var caFile = options.Value.X509Pop?.CaBundleFile ?? string.Empty;
        if (caFile.Length > 0)
        {
            Add(new X509PopAttestor(AgentApiOptionsValidator.LoadCaBundle(caFile)));
            _challengeTypes.Add(X509PopAttestor.AttestorName);
        }
    }

    /// <summary>The accepted attestation types, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _attestors.Keys.Order(StringComparer.Ordinal)];

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out INodeAttestor? attestor) =>
        _attestors.TryGetValue(name, out attestor);

    /// <summary>Whether the attestation type answers a challenge from <c>/agent/v1/attest/challenge</c>.</summary>
    public bool UsesChallenge(string name) => _challengeTypes.Contains(name);

    private void Add(INodeAttestor attestor) => _attestors.Add(attestor.Name, attestor);
}
