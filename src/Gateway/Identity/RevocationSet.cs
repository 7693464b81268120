using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Gateway.Identity;

/// <summary>
/// The CRLs the Workload API sent, parsed once per update. Fails closed: a CRL that cannot be
/// parsed refuses every caller (nobody can tell which CA it came from), and a CRL naming a CA whose
/// signature does not verify with that CA's key refuses every certificate of that CA.
/// </summary>
public sealed class RevocationSet
{
    private readonly IReadOnlyList<CertificateRevocationList> _lists;
    private readonly ConcurrentDictionary<(int List, string Ca), bool> _verified = new();

    private RevocationSet(IReadOnlyList<CertificateRevocationList> lists, IReadOnlyList<string> unparseable)
    {
        _lists = lists;
        Unparseable = unparseable;
    }

    /// <summary>No CRLs.</summary>
    public static RevocationSet Empty { get; } = new([], []);

    /// <summary>Why CRLs could not be parsed; any entry here fails every check.</summary>
    public IReadOnlyList<string> Unparseable { get; }

    public int Count => _lists.Count + Unparseable.Count;

    /// <summary>Parses DER CRLs; never throws for a bad one (it is recorded in <see cref="Unparseable"/>).</summary>
    public static RevocationSet Parse(IEnumerable<byte[]> crls)
    {
        ArgumentNullException.ThrowIfNull(crls);
        var lists = new List<CertificateRevocationList>();
        var unparseable = new List<string>();
        var index = 0;
        foreach (var der in crls)
        {
            try
            {
                lists.Add(CertificateRevocationList.Parse(der));
            }
            catch (CryptographicException ex)
            {
                unparseable.Add($"CRL {index}: {ex.Message}");
            }

            index++;
        }

        return lists.Count == 0 && unparseable.Count == 0 ? Empty : new RevocationSet(lists, unparseable);
    }

    /// <summary>
    /// Checks each certificate of a verified path (leaf first, ending at a bundle authority) against
    /// the CRLs of its issuer. Returns null when none is revoked, else why the path is refused.
    /// </summary>
    public string? Check(IReadOnlyList<X509Certificate2> verifiedPath)
    {
        ArgumentNullException.ThrowIfNull(verifiedPath);
        if (Unparseable.Count > 0)
        {
            return "revocation cannot be checked: " + string.Join("; ", Unparseable);
        }

        for (var i = 0; i + 1 < verifiedPath.Count; i++)
        {
            var certificate = verifiedPath[i];
            var ca = verifiedPath[i + 1];
            for (var l = 0; l < _lists.Count; l++)
            {
                var list = _lists[l];
                if (!list.NamesIssuer(ca))
                {
                    continue;
                }

                if (!_verified.GetOrAdd((l, ca.Thumbprint), _ => list.IsSignedBy(ca)))
                {
                    return $"the CRL of {ca.Subject} does not verify with that CA's key; refusing its certificates until a valid CRL arrives";
                }

                if (list.IsRevoked(certificate.SerialNumberBytes.Span))
                {
                    return $"certificate serial {certificate.SerialNumber.ToLowerInvariant()} is revoked by {ca.Subject}";
                }
            }
        }

        return null;
    }
}
