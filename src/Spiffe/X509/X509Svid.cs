using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Spiffe.X509;

/// <summary>
/// An X509-SVID: a leaf certificate carrying one SPIFFE ID, followed by any intermediates.
/// Produced by <see cref="Parse(IReadOnlyList{X509Certificate2})"/>, which checks the certificate
/// profile but not trust or validity dates (see <see cref="X509SvidValidator"/> for that).
/// </summary>
public sealed class X509Svid
{
    private X509Svid(SpiffeId id, IReadOnlyList<X509Certificate2> chain, string hint)
    {
        Id = id;
        Chain = chain;
        Hint = hint;
    }

    public SpiffeId Id { get; }

    public X509Certificate2 Leaf => Chain[0];

    /// <summary>The chain, leaf first.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>The operator-chosen hint of the Workload API; empty when none.</summary>
    public string Hint { get; }

    /// <summary>Checks the X509-SVID profile of <paramref name="chain"/> (leaf first) and returns the SVID.</summary>
    /// <exception cref="X509SvidException">The chain is not a valid X509-SVID; the message names the defect.</exception>
    public static X509Svid Parse(IReadOnlyList<X509Certificate2> chain) => Parse(chain, string.Empty);

    /// <summary>Like <see cref="Parse(IReadOnlyList{X509Certificate2})"/>, attaching a Workload API hint.</summary>
    public static X509Svid Parse(IReadOnlyList<X509Certificate2> chain, string hint)
    {
        ArgumentNullException.ThrowIfNull(hint);
        var id = X509SvidProfile.Check(chain);
        return new X509Svid(id, chain.ToArray(), hint);
    }
}
