using IdentityIssuer.Gateway.Identity;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Gateway.Authorization;

/// <summary>
/// Validates the client certificate of a request. The result is kept on the connection and reused
/// by its later requests while the identity (bundles, CRLs) is the same one, the leaf has not
/// expired and no CRL became current or stale; a Workload API update makes every connection validate again.
/// </summary>
internal sealed class CallerResolver(IWorkloadIdentitySource identities, CrlFreshnessOptions freshness, TimeProvider time)
{
    public CallerValidationResult Resolve(HttpContext context)
    {
        var (leaf, intermediates, feature) = WorkloadMtls.ClientChain(context);
        if (leaf is null)
        {
            return CallerValidationResult.Missing;
        }

        WorkloadIdentity identity;
        try
        {
            identity = identities.Current;
        }
        catch (InvalidOperationException ex)
        {
            return CallerValidationResult.Invalid(leaf.SerialNumber.ToLowerInvariant(), "no trust bundles to validate against: " + ex.Message);
        }

        var now = time.GetUtcNow();
        if (feature is { Result: { } cached } && ReferenceEquals(feature.ValidatedWith, identity) && now <= feature.ValidUntil)
        {
            return cached;
        }

        var result = CallerValidator.Validate(leaf, intermediates, identity, now, freshness);
        if (feature is not null)
        {
            var validUntil = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            if (identity.Revocations.FreshnessChangesAt(now, freshness) is { } crlChange && crlChange < validUntil)
            {
                validUntil = crlChange;
            }

            feature.Result = result;
            feature.ValidatedWith = identity;
            feature.ValidUntil = validUntil;
        }

        return result;
    }
}
