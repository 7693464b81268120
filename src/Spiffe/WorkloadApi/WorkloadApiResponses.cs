using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.Jwt;
using IdentityIssuer.Spiffe.WorkloadApi.Proto;
using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>
/// Turns Workload API responses into library types, checking them as go-spiffe does: every SVID is a
/// valid X509-SVID whose ID matches <c>spiffe_id</c> and whose key matches its certificate; map keys
/// are trust domains (<c>spiffe://td</c> or bare); a later SVID repeating a non-empty hint is dropped.
/// A malformed response is an Internal <see cref="WorkloadApiException"/>.
/// </summary>
internal static class WorkloadApiResponses
{
    private const string EcOid = "1.2.840.10045.2.1";
    private const string RsaOid = "1.2.840.113549.1.1.1";

    public static X509Context ToX509Context(X509SVIDResponse response)
    {
        if (response.Svids.Count == 0)
        {
            throw Invalid("the X509-SVID response has no SVIDs");
        }

        var svids = new List<X509SvidWithKey>();
        var hints = new HashSet<string>(StringComparer.Ordinal);
        var bundles = new X509BundleSet();
        foreach (var item in response.Svids)
        {
            if (item.Hint.Length > 0 && !hints.Add(item.Hint))
            {
                continue;
            }

            var svid = ToSvid(item);
            svids.Add(svid);
            if (bundles.GetX509Bundle(svid.Id.TrustDomain) is null)
            {
                bundles.Add(new X509Bundle(svid.Id.TrustDomain, SplitCertificates(item.Bundle, $"bundle of {item.SpiffeId}")));
            }
        }

        foreach (var (key, der) in response.FederatedBundles)
        {
            var td = ParseTrustDomain(key);
            if (bundles.GetX509Bundle(td) is null)
            {
                bundles.Add(new X509Bundle(td, SplitCertificates(der, $"federated bundle {key}")));
            }
        }

        return new X509Context(svids, bundles, response.Crl.Select(c => c.ToByteArray()).ToArray());
    }

    public static X509BundleSet ToX509Bundles(X509BundlesResponse response)
    {
        var set = new X509BundleSet();
        foreach (var (key, der) in response.Bundles)
        {
            set.Add(new X509Bundle(ParseTrustDomain(key), SplitCertificates(der, $"bundle {key}")));
        }

        return set;
    }

    public static JwtBundleSet ToJwtBundles(JWTBundlesResponse response)
    {
        var set = new JwtBundleSet();
        foreach (var (key, jwks) in response.Bundles)
        {
            try
            {
                set.Add(ParseTrustDomain(key), JwtBundleJwks.Parse(jwks.Span));
            }
            catch (SpiffeBundleException e)
            {
                throw Invalid($"JWT bundle {key}: {e.Message}", e);
            }
        }

        return set;
    }

    public static IReadOnlyList<WorkloadJwtSvid> ToJwtSvids(JWTSVIDResponse response)
    {
        if (response.Svids.Count == 0)
        {
            throw Invalid("the JWT-SVID response has no SVIDs");
        }

        var hints = new HashSet<string>(StringComparer.Ordinal);
        var svids = new List<WorkloadJwtSvid>();
        foreach (var item in response.Svids)
        {
            if (item.Hint.Length > 0 && !hints.Add(item.Hint))
            {
                continue;
            }

            if (!SpiffeId.TryParse(item.SpiffeId, out var id, out var error))
            {
                throw Invalid($"JWT-SVID has an invalid SPIFFE ID: {error}");
            }

            if (item.Svid.Length == 0)
            {
                throw Invalid($"JWT-SVID {id} has no token");
            }

            svids.Add(new WorkloadJwtSvid(id, item.Svid, item.Hint));
        }

        return svids;
    }

    private static X509SvidWithKey ToSvid(X509SVID item)
    {
        if (!SpiffeId.TryParse(item.SpiffeId, out var id, out var error))
        {
            throw Invalid($"X509-SVID has an invalid SPIFFE ID: {error}");
        }

        var chain = SplitCertificates(item.X509Svid, $"X509-SVID {id}");
        X509Svid svid;
        try
        {
            svid = X509Svid.Parse(chain, item.Hint);
        }
        catch (X509SvidException e)
        {
            throw Invalid($"X509-SVID {id}: {e.Message}", e);
        }

        if (svid.Id != id)
        {
            throw Invalid($"X509-SVID certificate is for {svid.Id}, not {id}");
        }

        return new X509SvidWithKey(svid, AttachKey(svid.Leaf, item.X509SvidKey.Span, id));
    }

    private static X509Certificate2 AttachKey(X509Certificate2 leaf, ReadOnlySpan<byte> pkcs8, SpiffeId id)
    {
        try
        {
            switch (leaf.GetKeyAlgorithm())
            {
                case EcOid:
                {
                    using var ec = ECDsa.Create();
                    ec.ImportPkcs8PrivateKey(pkcs8, out var read);
                    CheckWhole(read, pkcs8.Length, id);
                    return leaf.CopyWithPrivateKey(ec);
                }

                case RsaOid:
                {
                    using var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(pkcs8, out var read);
                    CheckWhole(read, pkcs8.Length, id);
                    return leaf.CopyWithPrivateKey(rsa);
                }

                default:
                    throw Invalid($"X509-SVID {id} has an unsupported key algorithm {leaf.GetKeyAlgorithm()}");
            }
        }
        catch (CryptographicException e)
        {
            throw Invalid($"X509-SVID {id} private key is not an unencrypted PKCS#8 key of the certificate's algorithm: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw Invalid($"X509-SVID {id} private key does not match its certificate", e);
        }
    }

    private static void CheckWhole(int read, int length, SpiffeId id)
    {
        if (read != length)
        {
            throw Invalid($"X509-SVID {id} private key has {length - read} trailing bytes");
        }
    }

    private static IReadOnlyList<X509Certificate2> SplitCertificates(ByteString der, string what)
    {
        try
        {
            var certificates = DerCertificates.Split(der.Span);
            return certificates.Count > 0 ? certificates : throw Invalid($"{what} holds no certificates");
        }
        catch (CryptographicException e)
        {
            throw Invalid($"{what}: {e.Message}", e);
        }
    }

    private static TrustDomain ParseTrustDomain(string key)
    {
        if (!TrustDomain.TryParse(key, out var td, out var error))
        {
            throw Invalid($"bundle key '{key}' is not a trust domain: {error}");
        }

        return td;
    }

    private static WorkloadApiException Invalid(string message, Exception? inner = null) =>
        new(GrpcStatusCode.Internal, "invalid Workload API response: " + message, inner);
}
