using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Gateway.Identity;

/// <summary>
/// Validates a client certificate chain as an X509-SVID (SPIFFE-CONTRACT §2: profile, validity,
/// path to the bundle of the leaf's own trust domain) and then against the CRLs of the Workload API,
/// which must be current (<paramref name="freshness"/>; default <see cref="CrlFreshnessOptions"/>).
/// </summary>
public static class CallerValidator
{
    private static readonly CrlFreshnessOptions Default = new();

    public static CallerValidationResult Validate(X509Certificate2? leaf, IReadOnlyList<X509Certificate2> intermediates, WorkloadIdentity identity, DateTimeOffset now, CrlFreshnessOptions? freshness = null)
    {
        ArgumentNullException.ThrowIfNull(intermediates);
        ArgumentNullException.ThrowIfNull(identity);
        if (leaf is null)
        {
            return CallerValidationResult.Missing;
        }

        var serial = leaf.SerialNumber.ToLowerInvariant();
        var result = X509SvidValidator.Validate([leaf, .. intermediates], identity.Bundles, now);
        if (!result.IsValid)
        {
            return CallerValidationResult.Invalid(serial, result.Error);
        }

        var revoked = identity.Revocations.Check(result.VerifiedChain, now, freshness ?? Default);
        return revoked is null ? CallerValidationResult.Valid(result.Id!, serial) : CallerValidationResult.Invalid(serial, revoked);
    }
}
