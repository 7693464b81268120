using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Spiffe.X509;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Issuer;

/// <summary>
/// Persists the agent's SVID (agent-svid.pem), its key (agent-svid.key, 0600) and the last trust
/// bundle (bundle.json) in the data directory, each written atomically, so a restart resumes without
/// attesting again while the SVID is valid.
/// </summary>
internal sealed class AgentStateStore
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _directory;

    public AgentStateStore(IOptions<AgentOptions> options)
    {
        _directory = Path.GetFullPath(options.Value.DataDirectory);
    }

    private string SvidPath => Path.Combine(_directory, "agent-svid.pem");

    private string KeyPath => Path.Combine(_directory, "agent-svid.key");

    private string BundlePath => Path.Combine(_directory, "bundle.json");

    /// <summary>The saved SVID, or null when there is none or it cannot be read (a damaged file is left for inspection).</summary>
    public AgentSvid? LoadSvid()
    {
        if (!File.Exists(SvidPath) || !File.Exists(KeyPath))
        {
            return null;
        }

        try
        {
            var chain = DerCertificates.ParsePem(File.ReadAllText(SvidPath));
            using var key = PemKey(File.ReadAllText(KeyPath));
            return AgentSvid.Create(chain, key.ExportPkcs8PrivateKey());
        }
        catch (Exception ex) when (ex is CryptographicException or X509SvidException or FormatException or ArgumentException or IOException)
        {
            throw new AgentStateException($"the saved agent SVID in {_directory} cannot be used: {ex.Message}", ex);
        }
    }

    /// <summary>The saved bundle JSON, or null.</summary>
    public byte[]? LoadBundle() => File.Exists(BundlePath) ? File.ReadAllBytes(BundlePath) : null;

    /// <summary>Saves the SVID and key.</summary>
    public void SaveSvid(AgentSvid svid)
    {
        EnsureDirectory();
        AtomicFile.Write(KeyPath, System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("PRIVATE KEY", svid.KeyPkcs8) + "\n"), PrivateFile);
        AtomicFile.Write(SvidPath, System.Text.Encoding.ASCII.GetBytes(DerCertificates.ToPem(svid.Chain)), PrivateFile);
    }

    /// <summary>Saves the bundle.</summary>
    public void SaveBundle(byte[] bundleJson)
    {
        EnsureDirectory();
        AtomicFile.Write(BundlePath, bundleJson, PrivateFile);
    }

    /// <summary>Forgets the SVID (after eviction), so the next start attests.</summary>
    public void DeleteSvid()
    {
        File.Delete(SvidPath);
        File.Delete(KeyPath);
    }

    private void EnsureDirectory()
    {
        if (!Directory.Exists(_directory))
        {
            Directory.CreateDirectory(_directory, PrivateDirectory);
        }
    }

    private static AsymmetricAlgorithm PemKey(string pem)
    {
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return ec;
        }
        catch (ArgumentException)
        {
            ec.Dispose();
        }
        catch (CryptographicException)
        {
            ec.Dispose();
        }

        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }
}

/// <summary>The agent's saved state is damaged; the message names the directory and the problem.</summary>
internal sealed class AgentStateException : Exception
{
    public AgentStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
