using System.Diagnostics;

namespace IdentityIssuer.Tests.Common.Certificates;

/// <summary>
/// PKCS#10 requests made by the <c>openssl</c> command line tool, for signature algorithms the
/// framework cannot produce (MD5, SHA-224, SHA3, Ed25519, Ed448): what a client with an old or
/// unusual TLS stack would send.
/// </summary>
public static class OpenSslCsr
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A DER CSR for a new key (<c>ec</c> P-256, <c>rsa</c> 2048, <c>ed25519</c> or <c>ed448</c>),
    /// signed with <paramref name="digest"/> (an openssl digest name such as <c>sha1</c>; null for EdDSA),
    /// with more <c>-sigopt</c> signing options such as <c>rsa_padding_mode:pss</c>.
    /// </summary>
    public static byte[] Create(string key, string? digest, params string[] signingOptions)
    {
        var directory = Path.Combine(Path.GetTempPath(), "csr-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var keyFile = Path.Combine(directory, "key.pem");
            var csrFile = Path.Combine(directory, "csr.der");
            string[] generate = key switch
            {
                "ec" => ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                "rsa" => ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                "ed25519" or "ed448" => ["-algorithm", key],
                _ => throw new ArgumentOutOfRangeException(nameof(key), key, "ec, rsa, ed25519 or ed448"),
            };
            Run(["genpkey", .. generate, "-out", keyFile]);
            Run(["req", "-new", "-key", keyFile, "-subj", "/CN=ignored", "-outform", "DER", "-out", csrFile, .. digest is null ? Array.Empty<string>() : ["-" + digest], .. signingOptions.SelectMany(o => new[] { "-sigopt", o })]);
            return File.ReadAllBytes(csrFile);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Run(string[] args)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"openssl {string.Join(' ', args)} did not finish within {Timeout}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
        }
    }
}
