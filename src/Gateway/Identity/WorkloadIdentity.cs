using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Gateway.Identity;

/// <summary>
/// What the Workload API gave this process at one moment: its own SVID (for TLS), the trust bundles
/// callers are validated against, and the CRLs. Replaced as a whole on every update, so a handshake
/// or a validation always sees one consistent set.
/// </summary>
public sealed class WorkloadIdentity
{
    public WorkloadIdentity(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> intermediates, IX509BundleSource bundles, RevocationSet revocations)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(intermediates);
        ArgumentNullException.ThrowIfNull(bundles);
        ArgumentNullException.ThrowIfNull(revocations);
        Certificate = certificate;
        Intermediates = intermediates;
        Bundles = bundles;
        Revocations = revocations;
        Id = X509Svid.Parse([certificate, .. intermediates]).Id;
        ServerCertificateContext = SslStreamCertificateContext.Create(certificate, [.. intermediates], offline: true);
    }

    /// <summary>This process's SPIFFE ID.</summary>
    public SpiffeId Id { get; }

    /// <summary>The leaf with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public IReadOnlyList<X509Certificate2> Intermediates { get; }

    public IX509BundleSource Bundles { get; }

    public RevocationSet Revocations { get; }

    /// <summary>The SVID ready for a TLS handshake (leaf and intermediates).</summary>
    public SslStreamCertificateContext ServerCertificateContext { get; }
}

/// <summary>Supplies the current <see cref="WorkloadIdentity"/>.</summary>
public interface IWorkloadIdentitySource
{
    /// <summary>The latest identity.</summary>
    /// <exception cref="InvalidOperationException">None has arrived yet, or the source stopped.</exception>
    WorkloadIdentity Current { get; }
}

/// <summary>A fixed identity, for tests and for tool APIs that load their SVID from files.</summary>
public sealed class StaticWorkloadIdentitySource(WorkloadIdentity identity) : IWorkloadIdentitySource
{
    private volatile WorkloadIdentity _identity = identity;

    public WorkloadIdentity Current => _identity;

    /// <summary>Replaces the identity (as a Workload API update would).</summary>
    public void Set(WorkloadIdentity identity) => _identity = identity ?? throw new ArgumentNullException(nameof(identity));
}
