namespace IdentityIssuer.Attestation.Node;

/// <summary>Checks nonces the issuer handed out for challenge-response attestation.</summary>
public interface INodeChallengeVerifier
{
    /// <summary>
    /// True when <paramref name="nonce"/> was handed out, has not expired and has not been used;
    /// the nonce is used up either way, so it never admits twice.
    /// </summary>
    bool TryConsume(ReadOnlySpan<byte> nonce);
}
