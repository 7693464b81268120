using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Tests.KeyManagement;

public abstract partial class KeyManagerSuite
{
    [Theory]
    [MemberData(nameof(KeyTypesData))]
    public async Task SelfSignedCaCertificate_SignedThroughGenerator_VerifiesAndChainsForEveryHash(KeyType keyType)
    {
        var signer = await Manager.GenerateKeyAsync("ca", keyType, Ct);
        var generator = new KeyManagerSignatureGenerator(signer);

        foreach (var hash in KeyAssert.Hashes)
        {
            using var ca = CreateCaCertificate(signer, generator, hash);

            Assert.Equal(KeyAssert.SignatureAlgorithmOid(keyType, hash), ca.SignatureAlgorithm.Value);
            Assert.True(CertificateSignatures.IsSignedBy(ca, signer.PublicKey), $"{keyType} {hash.Name}");
            using var chain = CustomRootChain(ca);
            Assert.True(chain.Build(ca), $"{keyType} {hash.Name}: {Describe(chain)}");
        }
    }

    [Theory]
    [MemberData(nameof(KeyTypesData))]
    public async Task LeafCertificate_IssuedByKeyManagerCa_ChainsToTheCa(KeyType caKeyType)
    {
        var caSigner = await Manager.GenerateKeyAsync("ca", caKeyType, Ct);
        var leafSigner = await Manager.GenerateKeyAsync("leaf", KeyType.EcP256, Ct);
        var hash = KeyTypes.DefaultHash(caKeyType);
        using var ca = CreateCaCertificate(caSigner, new KeyManagerSignatureGenerator(caSigner), hash);

        var request = new CertificateRequest(new X500DistinguishedName("CN=leaf"), leafSigner.PublicKey, hash);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var leaf = request.Create(
            ca.SubjectName, new KeyManagerSignatureGenerator(caSigner), ca.NotBefore.AddMinutes(1), ca.NotAfter.AddMinutes(-1), [0x01, 0x02]);

        Assert.True(CertificateSignatures.IsSignedBy(leaf, caSigner.PublicKey));
        Assert.False(CertificateSignatures.IsSignedBy(leaf, leafSigner.PublicKey));
        using var chain = CustomRootChain(ca);
        Assert.True(chain.Build(leaf), Describe(chain));
        Assert.Equal(2, chain.ChainElements.Count);
    }

    private static X509Certificate2 CreateCaCertificate(IKeySigner signer, X509SignatureGenerator generator, HashAlgorithmName hash)
    {
        var name = new X500DistinguishedName($"CN=Test CA {signer.KeyType}, O=Key Manager Suite");
        var request = new CertificateRequest(name, signer.PublicKey, hash);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.Create(name, generator, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
    }

    private static X509Chain CustomRootChain(X509Certificate2 root)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain;
    }

    private static string Describe(X509Chain chain) =>
        string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation}"));
}
