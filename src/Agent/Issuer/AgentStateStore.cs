using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Spiffe.X509;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Issuer;

/// <summary>
/// Persists the agent's SVID and its key as one file (agent-svid.pem: the chain, leaf first, then the
/// PKCS#8 key; 0600) and the last trust bundle (bundle.json) in the data directory, each written
/// atomically, so a restart resumes without attesting again while the SVID is valid and a crash
/// never leaves a new key next to an old certificate. The two-file layout of earlier versions
/// (certificate in agent-svid.pem, key in agent-svid.key) is still read once and then rewritten.
/// </summary>
internal sealed class AgentStateStore
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const string KeyLabel = "PRIVATE KEY";

    private readonly string _directory;

    public AgentStateStore(IOptions<AgentOptions> options)
    {
        _directory = Path.GetFullPath(options.Value.DataDirectory);
    }

    private string SvidPath => Path.Combine(_directory, "agent-svid.pem");

    /// <summary>The key file of the old two-file layout.</summary>
    private string LegacyKeyPath => Path.Combine(_directory, "agent-svid.key");

    private string BundlePath => Path.Combine(_directory, "bundle.json");

    /// <summary>The saved SVID, or null when there is none or it cannot be read (a damaged file is left for inspection).</summary>
    public AgentSvid? LoadSvid()
    {
        if (!File.Exists(SvidPath))
        {
            return null;
        }

        try
        {
            var text = File.ReadAllText(SvidPath);
            var chain = DerCertificates.ParsePem(text);
            if (text.Contains($"-----BEGIN {KeyLabel}-----", StringComparison.Ordinal))
            {
                return AgentSvid.Create(chain, Pkcs8Of(text));
            }

            if (!File.Exists(LegacyKeyPath))
            {
                return null;
            }

            using var key = PemKey(File.ReadAllText(LegacyKeyPath));
            var svid = AgentSvid.Create(chain, key.ExportPkcs8PrivateKey());
            SaveSvid(svid); // one file from now on
            return svid;
        }
        catch (Exception ex) when (ex is CryptographicException or X509SvidException or FormatException or ArgumentException or IOException)
        {
            throw new AgentStateException($"the saved agent SVID in {_directory} cannot be used: {ex.Message}", ex);
        }
    }

    /// <summary>The saved bundle JSON, or null.</summary>
    public byte[]? LoadBundle() => File.Exists(BundlePath) ? File.ReadAllBytes(BundlePath) : null;

    /// <summary>Saves the SVID and key together: one file, replaced by one rename.</summary>
    public void SaveSvid(AgentSvid svid)
    {
        EnsureDirectory();
        var pem = DerCertificates.ToPem(svid.Chain) + PemEncoding.WriteString(KeyLabel, svid.KeyPkcs8) + "\n";
        AtomicFile.Write(SvidPath, System.Text.Encoding.ASCII.GetBytes(pem), PrivateFile);
        File.Delete(LegacyKeyPath);
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
        File.Delete(LegacyKeyPath);
    }

    private void EnsureDirectory()
    {
        if (!Directory.Exists(_directory))
        {
            Directory.CreateDirectory(_directory, PrivateDirectory);
        }
    }

    /// <summary>The DER of the one PKCS#8 <c>PRIVATE KEY</c> block in <paramref name="pem"/>.</summary>
    private static byte[] Pkcs8Of(string pem)
    {
        var remaining = pem.AsSpan();
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            if (remaining[fields.Label].SequenceEqual(KeyLabel))
            {
                return Convert.FromBase64String(remaining[fields.Base64Data].ToString());
            }

            remaining = remaining[fields.Location.End..];
        }

        throw new FormatException($"agent-svid.pem has no readable {KeyLabel} block");
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
