using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Tests.Common.Certificates;

/// <summary>
/// Everything about a test certificate that a test may want to get wrong. The factory methods of
/// <see cref="TestCertificates"/> fill in an SVID-profile default; a test then changes one thing.
/// A null extension setting omits that extension entirely.
/// </summary>
public sealed class TestCertificateSpec
{
    public string Subject { get; set; } = "CN=test";

    /// <summary>URI SANs, written verbatim as GeneralName [6] (no URI normalization).</summary>
    public IList<string> UriSans { get; } = new List<string>();

    public IList<string> DnsNames { get; } = new List<string>();

    public bool SubjectAltNameCritical { get; set; }

    /// <summary>basicConstraints cA; null omits the extension.</summary>
    public bool? IsCa { get; set; }

    public int? PathLength { get; set; }

    public bool BasicConstraintsCritical { get; set; } = true;

    /// <summary>keyUsage bits; null omits the extension.</summary>
    public X509KeyUsageFlags? KeyUsage { get; set; }

    public bool KeyUsageCritical { get; set; } = true;

    /// <summary>EKU OIDs (see <see cref="TestCertificates.ServerAuthOid"/>); empty omits the extension.</summary>
    public IList<string> ExtendedKeyUsages { get; } = new List<string>();

    public bool ExtendedKeyUsageCritical { get; set; }

    public DateTimeOffset NotBefore { get; set; } = DateTimeOffset.UtcNow.AddHours(-1);

    public DateTimeOffset NotAfter { get; set; } = DateTimeOffset.UtcNow.AddDays(1);

    public TestKeyType KeyType { get; set; } = TestKeyType.EcP256;

    public HashAlgorithmName HashAlgorithm { get; set; } = HashAlgorithmName.SHA256;

    public bool AddKeyIdentifiers { get; set; } = true;

    /// <summary>Extensions added as given, e.g. a malformed SAN (then leave <see cref="UriSans"/> empty).</summary>
    public IList<X509Extension> ExtraExtensions { get; } = new List<X509Extension>();
}
