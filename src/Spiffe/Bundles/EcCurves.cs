namespace IdentityIssuer.Spiffe.Bundles;

/// <summary>The NIST curves JOSE supports: JWK <c>crv</c> name, named-curve OID and coordinate size.</summary>
internal static class EcCurves
{
    internal static readonly IReadOnlyList<(string Crv, string Oid, int CoordinateBytes, int Bits)> All =
    [
        ("P-256", "1.2.840.10045.3.1.7", 32, 256),
        ("P-384", "1.3.132.0.34", 48, 384),
        ("P-521", "1.3.132.0.35", 66, 521),
    ];

    internal static (string Crv, string Oid, int CoordinateBytes, int Bits)? ByOid(string? oid) =>
        All.Where(c => c.Oid == oid).Select(c => ((string, string, int, int)?)c).FirstOrDefault();

    internal static (string Crv, string Oid, int CoordinateBytes, int Bits)? ByCrv(string? crv) =>
        All.Where(c => c.Crv == crv).Select(c => ((string, string, int, int)?)c).FirstOrDefault();
}
