using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Agent.Tests.Support;

/// <summary>
/// A trust domain for tests: a root CA that signs workload X509-SVIDs (minted by the shared test
/// certificate factory) and an ES256 key that signs JWT-SVIDs, with the bundles the agent would hold.
/// </summary>
internal sealed class TestTrustDomain : IDisposable
{
    public TestTrustDomain(string name = "example.org")
    {
        TrustDomain = TrustDomain.Parse(name);
        RootCa = TestCertificates.CreateRootCa(TrustDomain.IdString);
        JwtKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        JwtKeyId = "jwt-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
    }

    public TrustDomain TrustDomain { get; }

    public X509Certificate2 RootCa { get; }

    public ECDsa JwtKey { get; }

    public string JwtKeyId { get; }

    /// <summary>The X.509 bundle as the Workload API carries it: concatenated DER.</summary>
    public byte[] X509BundleDer => RootCa.RawData;

    /// <summary>The JWT bundle: a standard JWKS with only the JWT key, with kid and no use.</summary>
    public byte[] JwksBytes =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["keys"] = new JsonArray(Jwk.FromSubjectPublicKeyInfo(JwtKey.ExportSubjectPublicKeyInfo(), JwtKeyId, use: null)),
        }.ToJsonString());

    /// <summary>An X509-SVID for <paramref name="path"/>, given to callers with all of <paramref name="selectors"/>.</summary>
    public WorkloadX509Svid MintSvid(string entryId, string path, string[] selectors, string hint = "", DateTimeOffset? entryCreatedAt = null)
    {
        var id = SpiffeId.FromPath(TrustDomain, path);
        using var leaf = TestCertificates.CreateLeaf(RootCa, id.ToString());
        using var key = leaf.GetECDsaPrivateKey()!;
        return new WorkloadX509Svid
        {
            EntryId = entryId,
            SpiffeId = id,
            Selectors = selectors.Select(Selector.Parse).ToArray(),
            ChainDer = leaf.RawData,
            PrivateKeyPkcs8 = key.ExportPkcs8PrivateKey(),
            Hint = hint,
            EntryCreatedAt = entryCreatedAt ?? DateTimeOffset.UnixEpoch,
            NotAfter = leaf.NotAfter.ToUniversalTime(),
        };
    }

    /// <summary>A leaf X509-SVID for <paramref name="path"/> with its private key and the DNS name localhost, e.g. the issuer's TLS certificate.</summary>
    public X509Certificate2 CreateLeafWithKey(string path) =>
        TestCertificates.CreateLeaf(RootCa, SpiffeId.FromPath(TrustDomain, path).ToString(), s => s.DnsNames.Add("localhost"));

    /// <summary>An agent SVID for <paramref name="path"/>, as the agent holds it after attesting or renewing.</summary>
    public AgentSvid MintAgentSvid(string path)
    {
        using var leaf = TestCertificates.CreateLeaf(RootCa, SpiffeId.FromPath(TrustDomain, path).ToString());
        using var key = leaf.GetECDsaPrivateKey()!;
        return AgentSvid.Create([X509CertificateLoader.LoadCertificate(leaf.RawData)], key.ExportPkcs8PrivateKey());
    }

    /// <summary>A compact ES256 JWT-SVID for <paramref name="subject"/>.</summary>
    public string MintJwt(string subject, IReadOnlyList<string> audience, DateTimeOffset expiresAt)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = JwtKeyId, ["typ"] = "JWT" };
        var audienceArray = new JsonArray();
        foreach (var a in audience)
        {
            audienceArray.Add(a);
        }

        var claims = new JsonObject
        {
            ["sub"] = subject,
            ["aud"] = audienceArray,
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
        var signingInput = Encode(header.ToJsonString()) + "." + Encode(claims.ToJsonString());
        var signature = JwtKey.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    public void Dispose()
    {
        RootCa.Dispose();
        JwtKey.Dispose();
    }

    private static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
