using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// <c>join_token</c>: the node proves itself with a single-use, expiring token an admin generated.
/// The issuer keeps only the token's SHA-256; the token is consumed atomically, so of two racing
/// attestations with one token exactly one succeeds. The agent ID is
/// <c>/identity-issuer/agent/join_token/</c> + the first 32 hex digits of the hash, never the token.
/// The attestor produces no selectors: the token names exactly one node, which its agent ID already
/// does, so entries for it are parented to the agent ID. It cannot re-attest (the token is gone).
/// </summary>
public sealed class JoinTokenAttestor : INodeAttestor
{
    /// <summary>The attestation type.</summary>
    public const string AttestorName = "join_token";

    /// <summary>Longest token accepted; generated tokens are 32 hex digits.</summary>
    public const int MaxTokenLength = 256;

    /// <inheritdoc />
    public string Name => AttestorName;

    /// <summary>Lowercase hex SHA-256 of the token's UTF-8 bytes: how the issuer stores and names it.</summary>
    public static string HashToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary>The agent path for a token hash: the first 32 hex digits of it.</summary>
    public static string AgentPathFor(string tokenHash)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        if (tokenHash.Length < 32)
        {
            throw new ArgumentException("a token hash has 64 hex digits", nameof(tokenHash));
        }

        return NodeAttestorPaths.For(AttestorName, tokenHash[..32]);
    }

    /// <inheritdoc />
    public async Task<NodeAttestationResult> AttestAsync(JsonElement payload, NodeAttestationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (AttestationPayload.CheckShape(AttestorName, payload, "token") is { } shape)
        {
            return NodeAttestationResult.Failure(shape);
        }

        var token = AttestationPayload.RequiredString(AttestorName, payload, "token", MaxTokenLength, out var error);
        if (token is null)
        {
            return NodeAttestationResult.Failure(error);
        }

        if (context.ConsumeJoinToken is null)
        {
            return NodeAttestationResult.Failure("join tokens are not available on this issuer");
        }

        var hash = HashToken(token);
        if (!await context.ConsumeJoinToken(hash, cancellationToken))
        {
            return NodeAttestationResult.Failure("join token is unknown, expired or already used");
        }

        return NodeAttestationResult.Success(AgentPathFor(hash), [], canReattest: false);
    }
}
