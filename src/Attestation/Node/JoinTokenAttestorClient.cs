using System.Text.Json;
using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Attestation.Node;

/// <summary>The agent half of <c>join_token</c>: sends <c>{"token": T}</c>. The token is never logged.</summary>
public sealed class JoinTokenAttestorClient : INodeAttestorClient
{
    private readonly string _token;

    public JoinTokenAttestorClient(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _token = token;
    }

    /// <inheritdoc />
    public string Name => JoinTokenAttestor.AttestorName;

    /// <inheritdoc />
    public bool NeedsChallenge => false;

    /// <inheritdoc />
    public Task<JsonElement> BuildPayloadAsync(ChallengeResponse? challenge, CancellationToken cancellationToken) =>
        Task.FromResult(JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["token"] = _token }));

    /// <summary>Keeps the token out of logs and debugger displays.</summary>
    public override string ToString() => $"{Name} (token hidden)";
}
