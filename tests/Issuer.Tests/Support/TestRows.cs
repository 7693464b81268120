using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Tests.Support;

/// <summary>Datastore rows for tests that only care about expiry: an issuance record and an attested node.</summary>
internal static class TestRows
{
    /// <summary>An issuance record of <c>spiffe://example.org/web</c> valid for the hour before <paramref name="notAfter"/>.</summary>
    public static IssuanceRecord Record(string serial, DateTimeOffset notAfter, SvidKind kind = SvidKind.X509) => new()
    {
        Serial = serial,
        Kind = kind,
        SpiffeId = "spiffe://example.org/web",
        Caller = "test",
        NotBefore = notAfter.AddHours(-1),
        NotAfter = notAfter,
        KeyType = "ec-p256",
        SigningAuthority = "ski",
    };

    /// <summary>A join-token node <c>spiffe://example.org/agent/NAME</c> whose SVID expires at <paramref name="notAfter"/>.</summary>
    public static AttestedNode Node(string name, DateTimeOffset notAfter) => new()
    {
        SpiffeId = "spiffe://example.org/agent/" + name,
        AttestationType = "join_token",
        CertificateSerial = "01",
        CertificateNotAfter = notAfter,
    };
}
