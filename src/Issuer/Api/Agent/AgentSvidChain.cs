using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Spiffe.Bundles;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>Wire helpers: SVID chains as base64 DER, leaf first, without the bundle's own roots; base64 CSRs.</summary>
internal static class AgentSvidChain
{
    public static IReadOnlyList<string> Encode(MintedX509Svid minted, SpiffeBundle bundle) =>
    [
        Convert.ToBase64String(minted.CertificateDer),
        .. minted.ChainAboveDer
            .Where(der => !bundle.X509Authorities.Any(a => a.RawDataMemory.Span.SequenceEqual(der)))
            .Select(Convert.ToBase64String),
    ];

    /// <summary>Decodes a base64 DER CSR and checks it as minting would, naming <paramref name="field"/> in the 400.</summary>
    public static byte[] DecodeCsr(string? csr, string field)
    {
        if (string.IsNullOrEmpty(csr))
        {
            throw AgentApiException.BadRequest($"{field} is required (base64 DER PKCS#10)");
        }

        var buffer = new byte[(csr.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(csr, buffer, out var written))
        {
            throw AgentApiException.BadRequest($"{field} is not valid base64");
        }

        var der = buffer[..written];
        try
        {
            X509SvidMinter.ReadCsr(der, 0);
        }
        catch (CaException ex)
        {
            throw AgentApiException.BadRequest($"{field}: {ex.Message.Replace("request 0: ", string.Empty, StringComparison.Ordinal)}");
        }

        return der;
    }
}
