using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Tests.Common.Certificates;
using Microsoft.Extensions.Time.Testing;

namespace IdentityIssuer.Attestation.Tests.Node;

public sealed class X509PopAttestorTests : IDisposable
{
    private readonly X509Certificate2 _root = TestCertificates.CreateRootCa(spiffeId: null);
    private readonly X509Certificate2 _intermediate;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly NodeChallengeStore _challenges;
    private readonly X509PopAttestor _attestor;

    public X509PopAttestorTests()
    {
        _intermediate = TestCertificates.CreateIntermediateCa(_root);
        _challenges = new NodeChallengeStore(_clock, TimeSpan.FromMinutes(1));
        _attestor = new X509PopAttestor([X509CertificateLoader.LoadCertificate(_root.RawData)]);
    }

    public void Dispose()
    {
        _root.Dispose();
        _intermediate.Dispose();
    }

    [Fact]
    public async Task Attest_ThroughAnIntermediate_AdmitsWithFingerprintIdAndSelectors()
    {
        using var leaf = Leaf(_intermediate, s =>
        {
            s.Subject = "CN=node-1, O=Example";
            s.DnsNames.Add("node-1.example");
            s.UriSans.Add("urn:node:1");
        });

        var result = await AttestAsync([leaf, _intermediate], leaf, Nonce());

        Assert.True(result.IsValid, result.Error);
        Assert.Equal($"/identity-issuer/agent/x509pop/{Sha1(leaf)}", result.AgentPath);
        Assert.True(result.CanReattest);
        Assert.Equal(
            new[]
            {
                $"x509pop:ca:fingerprint:{Sha1(_intermediate)}",
                $"x509pop:ca:fingerprint:{Sha1(_root)}",
                "x509pop:san:dns:node-1.example",
                "x509pop:san:uri:urn:node:1",
                "x509pop:subject:cn:node-1",
            }.Order(StringComparer.Ordinal),
            result.Selectors.Select(s => s.ToString()));
    }

    [Fact]
    public async Task Attest_WithAnRsaLeaf_VerifiesPkcs1Signatures()
    {
        using var leaf = Leaf(_root, s => s.KeyType = TestKeyType.Rsa2048);

        var result = await AttestAsync([leaf], leaf, Nonce());

        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task Attest_WithAnExpiredNonce_IsRefused()
    {
        using var leaf = Leaf(_root);
        var nonce = Nonce();
        _clock.Advance(TimeSpan.FromMinutes(2));

        var result = await AttestAsync([leaf], leaf, nonce);

        Assert.False(result.IsValid);
        Assert.Contains("nonce is unknown, expired or already used", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_WithAReusedNonce_IsRefusedTheSecondTime()
    {
        using var leaf = Leaf(_root);
        var nonce = Nonce();

        var first = await AttestAsync([leaf], leaf, nonce);
        var second = await AttestAsync([leaf], leaf, nonce);

        Assert.True(first.IsValid, first.Error);
        Assert.False(second.IsValid);
    }

    [Fact]
    public async Task Attest_SignedWithAnotherKey_IsRefused()
    {
        using var leaf = Leaf(_root);
        using var impostor = Leaf(_root);

        var result = await AttestAsync([leaf], impostor, Nonce());

        Assert.False(result.IsValid);
        Assert.Contains("does not verify", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_WithoutTheIntermediate_DoesNotChain()
    {
        using var leaf = Leaf(_intermediate);

        var result = await AttestAsync([leaf], leaf, Nonce());

        Assert.False(result.IsValid);
        Assert.Contains("does not chain to a trusted CA", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_AnExpiredCertificate_IsRefused()
    {
        using var leaf = Leaf(_root, s =>
        {
            s.NotBefore = DateTimeOffset.UtcNow.AddDays(-2);
            s.NotAfter = DateTimeOffset.UtcNow.AddDays(-1);
        });

        var result = await AttestAsync([leaf], leaf, Nonce());

        Assert.False(result.IsValid);
    }

    [Fact]
    public async Task Attest_ALeafWithoutDigitalSignature_IsRefused()
    {
        using var leaf = Leaf(_root, s => s.KeyUsage = X509KeyUsageFlags.KeyEncipherment);

        var result = await AttestAsync([leaf], leaf, Nonce());

        Assert.False(result.IsValid);
        Assert.Contains("digitalSignature", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attest_TheTrustedCaItself_IsRefused()
    {
        var result = await AttestAsync([_root], _root, Nonce());

        Assert.False(result.IsValid);
    }

    [Theory]
    [InlineData("{\"token\": \"abc\"}", "unexpected property 'token'")]
    [InlineData("{\"certificates\": [\"!!\"], \"nonce\": \"AAAA\", \"signature\": \"AAAA\"}", "certificate 0 is not a base64 DER")]
    [InlineData("{\"certificates\": [], \"nonce\": \"AAAA\", \"signature\": \"AAAA\"}", "1 to 8 certificates")]
    [InlineData("{\"certificates\": [\"AAAA\"], \"nonce\": \"not base64!\", \"signature\": \"AAAA\"}", "'nonce' is not valid base64")]
    [InlineData("\"x509pop\"", "must be a JSON object")]
    public async Task Attest_APayloadItDoesNotOwnOrCannotParse_IsRefused(string json, string expected)
    {
        var result = await _attestor.AttestAsync(JsonDocument.Parse(json).RootElement, Context(), CancellationToken.None);

        Assert.False(result.IsValid);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_ReadsPemFiles_AndBuildsAPayloadTheServerAccepts()
    {
        using var leaf = Leaf(_intermediate, s => s.Subject = "CN=from-files");
        var directory = Directory.CreateTempSubdirectory();
        try
        {
            var certFile = Path.Combine(directory.FullName, "node.pem");
            var keyFile = Path.Combine(directory.FullName, "node.key");
            await File.WriteAllTextAsync(certFile, leaf.ExportCertificatePem() + "\n" + _intermediate.ExportCertificatePem());
            using (var key = leaf.GetECDsaPrivateKey()!)
            {
                await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
            }

            var client = new X509PopAttestorClient(certFile, keyFile);
            var payload = await client.BuildPayloadAsync(_challenges.TryIssue("192.0.2.10").Challenge, CancellationToken.None);
            var result = await _attestor.AttestAsync(payload, Context(), CancellationToken.None);

            Assert.True(client.NeedsChallenge);
            Assert.True(result.IsValid, result.Error);
            Assert.Contains(result.Selectors, s => s.ToString() == "x509pop:subject:cn:from-files");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private X509Certificate2 Leaf(X509Certificate2 issuer, Action<TestCertificateSpec>? configure = null) =>
        TestCertificates.CreateLeaf(issuer, spiffeId: null, configure);

    private string Nonce() => _challenges.TryIssue("192.0.2.10").Challenge!.Nonce;

    private NodeAttestationContext Context() => new() { TrustDomain = "example.org", Challenges = _challenges, Time = _clock };

    private Task<NodeAttestationResult> AttestAsync(X509Certificate2[] chain, X509Certificate2 signer, string nonce)
    {
        var bytes = Convert.FromBase64String(nonce);
        byte[] signature;
        using (var ec = signer.GetECDsaPrivateKey())
        using (var rsa = signer.GetRSAPrivateKey())
        {
            signature = ec is not null
                ? ec.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                : rsa!.SignData(bytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }

        var payload = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["certificates"] = chain.Select(c => Convert.ToBase64String(c.RawData)).ToArray(),
            ["nonce"] = nonce,
            ["signature"] = Convert.ToBase64String(signature),
        });
        return _attestor.AttestAsync(payload, Context(), CancellationToken.None);
    }

    private static string Sha1(X509Certificate2 certificate) => Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA1));
}
