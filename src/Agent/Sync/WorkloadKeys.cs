using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Agent.Sync;

/// <summary>Workload keys are generated on the agent; only the CSR goes to the issuer.</summary>
internal static class WorkloadKeys
{
    /// <summary>A new key of the configured type and a CSR for it.</summary>
    public static (byte[] Pkcs8, byte[] Csr) Create(string keyType)
    {
        switch (keyType)
        {
            case "rsa-2048":
            {
                using var rsa = RSA.Create(2048);
                var request = new CertificateRequest("CN=workload", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                return (rsa.ExportPkcs8PrivateKey(), request.CreateSigningRequest());
            }

            default:
            {
                using var ec = ECDsa.Create(keyType == "ec-p384" ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256);
                var request = new CertificateRequest("CN=workload", ec, keyType == "ec-p384" ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256);
                return (ec.ExportPkcs8PrivateKey(), request.CreateSigningRequest());
            }
        }
    }
}
