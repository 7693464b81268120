using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Spiffe.X509;

/// <summary>
/// Validates an X509-SVID chain: the certificate profile of <see cref="X509Svid.Parse(IReadOnlyList{X509Certificate2})"/>,
/// then RFC 5280 path validation against the bundle of the leaf ID's trust domain only.
/// EKU is not enforced and revocation is not checked (as in go-spiffe).
/// </summary>
public static class X509SvidValidator
{
    public static X509SvidValidationResult Validate(
        IReadOnlyList<X509Certificate2> chain,
        IX509BundleSource bundles,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(bundles);

        SpiffeId id;
        try
        {
            id = X509SvidProfile.Check(chain);
        }
        catch (X509SvidException e)
        {
            return X509SvidValidationResult.Failure(e.Message);
        }

        var td = id.TrustDomain;
        var bundle = bundles.GetX509Bundle(td);
        if (bundle is null)
        {
            return X509SvidValidationResult.Failure($"no bundle for trust domain {td}");
        }

        if (bundle.Authorities.Count == 0)
        {
            return X509SvidValidationResult.Failure($"the bundle of trust domain {td} has no X.509 authorities");
        }

        for (var i = 0; i < chain.Count; i++)
        {
            var windowError = CheckValidityWindow(chain[i], i, now);
            if (windowError is not null)
            {
                return X509SvidValidationResult.Failure(windowError);
            }
        }

        return BuildPath(chain, bundle, id, now);
    }

    private static string? CheckValidityWindow(X509Certificate2 certificate, int index, DateTimeOffset now)
    {
        var name = index == 0 ? "leaf certificate" : $"intermediate certificate {index}";
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (now > notAfter)
        {
            return $"{name}: certificate expired at {Format(notAfter)} (now {Format(now)})";
        }

        if (now < notBefore)
        {
            return $"{name}: certificate is not valid until {Format(notBefore)} (now {Format(now)})";
        }

        return null;
    }

    private static X509SvidValidationResult BuildPath(
        IReadOnlyList<X509Certificate2> chain,
        X509Bundle bundle,
        SpiffeId id,
        DateTimeOffset now)
    {
        using var x509Chain = new X509Chain();
        var policy = x509Chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        foreach (var authority in bundle.Authorities)
        {
            policy.CustomTrustStore.Add(authority);
        }

        for (var i = 1; i < chain.Count; i++)
        {
            policy.ExtraStore.Add(chain[i]);
        }

        if (!x509Chain.Build(chain[0]))
        {
            var statuses = x509Chain.ChainStatus
                .Select(s => $"{s.Status} ({s.StatusInformation.Trim()})")
                .Distinct(StringComparer.Ordinal);
            var detail = string.Join("; ", statuses);
            return X509SvidValidationResult.Failure(
                $"does not chain to the bundle of trust domain {bundle.TrustDomain}: {(detail.Length == 0 ? "no trusted path" : detail)}");
        }

        // Hand back the caller's own instances (input chain or bundle authorities) rather than the
        // copies the platform chain engine made, so their lifetime stays with the caller.
        var known = chain.Concat(bundle.Authorities).ToArray();
        var verified = x509Chain.ChainElements
            .Select(e => known.FirstOrDefault(k => k.RawDataMemory.Span.SequenceEqual(e.Certificate.RawDataMemory.Span)) ?? e.Certificate)
            .ToArray();
        return X509SvidValidationResult.Success(id, verified);
    }

    private static string Format(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
