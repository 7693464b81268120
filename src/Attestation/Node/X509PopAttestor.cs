using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Node;

/// <summary>
/// <c>x509pop</c>: the node proves possession of the key of a certificate issued by a CA the operator
/// trusts. Payload: <c>{"certificates": [base64 DER, leaf first], "nonce": base64, "signature": base64}</c>.
/// The nonce must be one this issuer handed out, unexpired and unused; the chain must validate to the
/// configured CAs at the current time; the leaf must be a non-CA with digitalSignature; the signature
/// over the nonce must verify with the leaf's key. The agent ID is
/// <c>/identity-issuer/agent/x509pop/</c> + the leaf's SHA-1 fingerprint (lowercase hex). Selectors:
/// <c>x509pop:subject:cn:CN</c>, <c>x509pop:ca:fingerprint:SHA1</c> for every CA on the validated path
/// (issuing CA up to the root), <c>x509pop:san:dns:NAME</c> and <c>x509pop:san:uri:URI</c>.
/// The node can re-attest with the same certificate.
/// </summary>
public sealed class X509PopAttestor : INodeAttestor
{
    /// <summary>The attestation type.</summary>
    public const string AttestorName = "x509pop";

    /// <summary>Most certificates accepted in a payload.</summary>
    public const int MaxCertificates = 8;

    private const int MaxBase64Length = 64 * 1024;

    private readonly X509Certificate2Collection _trustedCas;

    /// <summary>An attestor trusting <paramref name="trustedCas"/> (the operator's CA bundle).</summary>
    public X509PopAttestor(X509Certificate2Collection trustedCas)
    {
        ArgumentNullException.ThrowIfNull(trustedCas);
        if (trustedCas.Count == 0)
        {
            throw new ArgumentException("x509pop needs at least one trusted CA certificate", nameof(trustedCas));
        }

        _trustedCas = trustedCas;
    }

    /// <inheritdoc />
    public string Name => AttestorName;

    /// <summary>The agent path for a leaf certificate.</summary>
    public static string AgentPathFor(X509Certificate2 leaf)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        return NodeAttestorPaths.For(AttestorName, Sha1Hex(leaf));
    }

    /// <inheritdoc />
    public Task<NodeAttestationResult> AttestAsync(JsonElement payload, NodeAttestationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult(Attest(payload, context));
    }

    private NodeAttestationResult Attest(JsonElement payload, NodeAttestationContext context)
    {
        if (AttestationPayload.CheckShape(AttestorName, payload, "certificates", "nonce", "signature") is { } shape)
        {
            return NodeAttestationResult.Failure(shape);
        }

        var nonceText = AttestationPayload.RequiredString(AttestorName, payload, "nonce", 1024, out var error);
        if (nonceText is null)
        {
            return NodeAttestationResult.Failure(error);
        }

        var signatureText = AttestationPayload.RequiredString(AttestorName, payload, "signature", 8192, out error);
        if (signatureText is null)
        {
            return NodeAttestationResult.Failure(error);
        }

        var nonce = AttestationPayload.Base64(nonceText);
        var signature = AttestationPayload.Base64(signatureText);
        if (nonce is null || signature is null)
        {
            return NodeAttestationResult.Failure($"x509pop payload property '{(nonce is null ? "nonce" : "signature")}' is not valid base64");
        }

        var chain = ReadCertificates(payload, out error);
        if (chain is null)
        {
            return NodeAttestationResult.Failure(error);
        }

        try
        {
            // The nonce is used up before anything else is checked, so a failed attempt cannot be retried with it.
            if (context.Challenges is null)
            {
                return NodeAttestationResult.Failure("x509pop challenges are not available on this issuer");
            }

            if (!context.Challenges.TryConsume(nonce))
            {
                return NodeAttestationResult.Failure("x509pop nonce is unknown, expired or already used; ask for a new challenge");
            }

            var leaf = chain[0];
            if (CheckLeaf(leaf) is { } leafError)
            {
                return NodeAttestationResult.Failure(leafError);
            }

            var cas = ValidatePath(chain, context.Time.GetUtcNow(), out error);
            if (cas is null)
            {
                return NodeAttestationResult.Failure(error);
            }

            if (X509PopSignature.Verify(leaf, nonce, signature) is { } signatureError)
            {
                return NodeAttestationResult.Failure(signatureError);
            }

            var selectors = Selectors(leaf, cas, out error);
            return selectors is null
                ? NodeAttestationResult.Failure(error)
                : NodeAttestationResult.Success(AgentPathFor(leaf), selectors, canReattest: true);
        }
        finally
        {
            foreach (var certificate in chain)
            {
                certificate.Dispose();
            }
        }
    }

    private static List<X509Certificate2>? ReadCertificates(JsonElement payload, out string error)
    {
        error = string.Empty;
        if (!payload.TryGetProperty("certificates", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            error = "x509pop payload needs an array property 'certificates' (base64 DER, leaf first)";
            return null;
        }

        var count = array.GetArrayLength();
        if (count is 0 or > MaxCertificates)
        {
            error = $"x509pop payload must carry 1 to {MaxCertificates} certificates (got {count})";
            return null;
        }

        var certificates = new List<X509Certificate2>(count);
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            var der = text is null || text.Length > MaxBase64Length ? null : AttestationPayload.Base64(text);
            X509Certificate2? certificate = null;
            if (der is not null)
            {
                try
                {
                    certificate = X509CertificateLoader.LoadCertificate(der);
                }
                catch (CryptographicException)
                {
                }
            }

            if (certificate is null)
            {
                foreach (var loaded in certificates)
                {
                    loaded.Dispose();
                }

                error = $"x509pop certificate {index} is not a base64 DER X.509 certificate";
                return null;
            }

            certificates.Add(certificate);
            index++;
        }

        return certificates;
    }

    private static string? CheckLeaf(X509Certificate2 leaf)
    {
        if (leaf.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
        {
            return "x509pop leaf certificate is a CA (basicConstraints cA=true)";
        }

        var usage = leaf.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage is null || !usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            return "x509pop leaf certificate lacks the digitalSignature key usage";
        }

        return null;
    }

    /// <summary>The CA certificates of the validated path (issuing CA first), or null with the reason.</summary>
    private List<X509Certificate2>? ValidatePath(List<X509Certificate2> chain, DateTimeOffset now, out string error)
    {
        error = string.Empty;
        using var builder = new X509Chain();
        var policy = builder.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_trustedCas);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        for (var i = 1; i < chain.Count; i++)
        {
            policy.ExtraStore.Add(chain[i]);
        }

        try
        {
            if (!builder.Build(chain[0]))
            {
                var detail = string.Join("; ", builder.ChainStatus.Select(s => $"{s.Status} ({s.StatusInformation.Trim()})").Distinct(StringComparer.Ordinal));
                error = $"x509pop certificate does not chain to a trusted CA: {(detail.Length == 0 ? "no trusted path" : detail)}";
                return null;
            }

            if (builder.ChainElements.Count < 2)
            {
                error = "x509pop leaf certificate must be issued by a trusted CA, not be one";
                return null;
            }

            // Copies, so the caller's certificates and the chain engine's can be disposed independently.
            return [.. builder.ChainElements.Skip(1).Select(e => X509CertificateLoader.LoadCertificate(e.Certificate.RawData))];
        }
        finally
        {
            foreach (var element in builder.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    private static List<Selector>? Selectors(X509Certificate2 leaf, List<X509Certificate2> cas, out string error)
    {
        error = string.Empty;
        var values = new List<string>();
        foreach (var rdn in leaf.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.3" && rdn.GetSingleElementValue() is { Length: > 0 } cn)
            {
                values.Add($"subject:cn:{cn}");
            }
        }

        foreach (var ca in cas)
        {
            values.Add($"ca:fingerprint:{Sha1Hex(ca)}");
            ca.Dispose();
        }

        var san = leaf.Extensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        if (san is not null)
        {
            if (!TryReadSan(san.RawData, values))
            {
                error = "x509pop leaf certificate has a malformed subjectAltName";
                return null;
            }
        }

        var selectors = new List<Selector>();
        foreach (var value in values)
        {
            // A name that cannot be a selector (too long, control characters) grants nothing; leave it out.
            if (Selector.TryParse($"{AttestorName}:{value}", out var selector, out _) && SelectorShapes.Check(selector) is null)
            {
                selectors.Add(selector);
            }
        }

        return selectors;
    }

    private static bool TryReadSan(byte[] der, List<string> values)
    {
        var dnsTag = new Asn1Tag(TagClass.ContextSpecific, 2);
        var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag == dnsTag)
                {
                    values.Add($"san:dns:{names.ReadCharacterString(UniversalTagNumber.IA5String, dnsTag)}");
                }
                else if (tag == uriTag)
                {
                    values.Add($"san:uri:{names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag)}");
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }

            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static string Sha1Hex(X509Certificate2 certificate) =>
        Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA1));
}
