using System.Text.Json;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// The agent half of <c>x509pop</c>: reads the node's certificate chain (PEM, leaf first) and private
/// key (PEM) from files each time, so a rotated certificate is picked up, and signs the issuer's nonce.
/// </summary>
public sealed class X509PopAttestorClient : INodeAttestorClient
{
    private readonly string _certificateChainFile;
    private readonly string _privateKeyFile;

    public X509PopAttestorClient(string certificateChainFile, string privateKeyFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificateChainFile);
        ArgumentException.ThrowIfNullOrEmpty(privateKeyFile);
        _certificateChainFile = certificateChainFile;
        _privateKeyFile = privateKeyFile;
    }

    /// <inheritdoc />
    public string Name => X509PopAttestor.AttestorName;

    /// <inheritdoc />
    public bool NeedsChallenge => true;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">No challenge was given or its nonce is not base64.</exception>
    public Task<JsonElement> BuildPayloadAsync(ChallengeResponse? challenge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        var nonce = AttestationPayload.Base64(challenge.Nonce)
            ?? throw new ArgumentException("the challenge nonce is not base64", nameof(challenge));

        using var leaf = X509Certificate2.CreateFromPemFile(_certificateChainFile, _privateKeyFile);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(_certificateChainFile);
        try
        {
            var payload = new Dictionary<string, object>
            {
                ["certificates"] = chain.Select(c => Convert.ToBase64String(c.RawData)).ToArray(),
                ["nonce"] = challenge.Nonce,
                ["signature"] = Convert.ToBase64String(X509PopSignature.Sign(leaf, nonce)),
            };
            return Task.FromResult(JsonSerializer.SerializeToElement(payload));
        }
        finally
        {
            foreach (var certificate in chain)
            {
                certificate.Dispose();
            }
        }
    }
}
