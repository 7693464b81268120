using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Tests.Common.Certificates;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// An upstream CA as an operator hands it to the issuer: a self-signed root with its key, written as
/// PEM files for <c>Ca:UpstreamCertificateFile</c> and <c>Ca:UpstreamKeyFile</c>. The issuer's CA is
/// then an intermediate under it, and the trust bundle holds only this root.
/// </summary>
public sealed class UpstreamCa : IDisposable
{
    private readonly string _directory = FreePort.ShortTempDirectory();

    public UpstreamCa()
    {
        using var root = TestCertificates.CreateRootCa(spiffeId: null, s => s.NotAfter = DateTimeOffset.UtcNow.AddDays(7));
        CertificateFile = Path.Combine(_directory, "upstream.crt");
        KeyFile = Path.Combine(_directory, "upstream.key");
        File.WriteAllText(CertificateFile, root.ExportCertificatePem() + "\n");
        using var key = root.GetECDsaPrivateKey()!;
        File.WriteAllText(KeyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The PEM file with the root certificate.</summary>
    public string CertificateFile { get; }

    /// <summary>The PEM file with the root's private key (PKCS#8).</summary>
    public string KeyFile { get; }

    /// <summary>The issuer settings that put its CA under this root.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Ca:UpstreamCertificateFile"] = CertificateFile,
        ["Ca:UpstreamKeyFile"] = KeyFile,
    };

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
