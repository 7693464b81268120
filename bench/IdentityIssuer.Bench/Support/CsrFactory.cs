using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Bench.Support;

/// <summary>Workload CSRs made ahead of time, so key generation is not part of what is timed.</summary>
internal static class CsrFactory
{
    /// <summary>One EC P-256 PKCS#10 request, DER, signed ECDSA-with-SHA256 like a workload's.</summary>
    public static byte[] CreateP256()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=workload", key, HashAlgorithmName.SHA256).CreateSigningRequest();
    }

    /// <summary><paramref name="count"/> mint requests over 64 SPIFFE IDs, each with its own key.</summary>
    public static X509SvidParams[] CreateRequests(int count)
    {
        var ids = Enumerable.Range(0, 64)
            .Select(i => SpiffeId.Parse($"spiffe://{BenchIssuer.TrustDomain}/bench/workload-{i}"))
            .ToArray();
        var requests = new X509SvidParams[count];
        Parallel.For(0, count, i => requests[i] = new X509SvidParams
        {
            SpiffeId = ids[i % ids.Length],
            Csr = CreateP256(),
            Caller = "bench",
        });
        return requests;
    }
}
