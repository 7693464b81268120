using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Gateway.Identity;

/// <summary>
/// The CRLs the Workload API sent, parsed once per update. Fails closed: a CRL that cannot be
/// parsed refuses every caller (nobody can tell which CA it came from), a CRL naming a CA whose
/// signature does not verify with that CA's key refuses every certificate of that CA, and so does a
/// verified CRL that is stale (past nextUpdate plus the grace, or issued in the future beyond the
/// clock skew: <see cref="CrlFreshnessOptions"/>).
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
    /// the CRLs of its issuer at <paramref name="now"/>. Returns null when none is revoked and those
    /// CRLs are current, else why the path is refused.
    /// </summary>
    public string? Check(IReadOnlyList<X509Certificate2> verifiedPath, DateTimeOffset now, CrlFreshnessOptions freshness)
    {
        ArgumentNullException.ThrowIfNull(verifiedPath);
        ArgumentNullException.ThrowIfNull(freshness);
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

                if (list.FreshnessError(now, freshness.Grace, freshness.ClockSkew) is { } stale)
                {
                    return $"the CRL of {ca.Subject} cannot be relied on: {stale}; refusing its certificates until a current CRL arrives";
                }

                if (list.IsRevoked(certificate.SerialNumberBytes.Span))
                {
                    return $"certificate serial {certificate.SerialNumber.ToLowerInvariant()} is revoked by {ca.Subject}";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The next moment after <paramref name="now"/> at which a CRL of this set becomes current or
    /// stale, so a cached validation is redone then; null when none will.
    /// </summary>
    public DateTimeOffset? FreshnessChangesAt(DateTimeOffset now, CrlFreshnessOptions freshness)
    {
        ArgumentNullException.ThrowIfNull(freshness);
        DateTimeOffset? first = null;
        foreach (var list in _lists)
        {
            if (list.FreshnessChangesAt(now, freshness.Grace, freshness.ClockSkew) is { } at && (first is null || at < first))
            {
                first = at;
            }
        }

        return first;
    }
}
