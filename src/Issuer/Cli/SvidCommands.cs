using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.KeyManagement;

namespace IdentityIssuer.Issuer.Cli;

/// <summary>
/// <c>svid mint x509|jwt</c>, <c>svid revoke</c>, and (<see cref="SvidRecordCommands"/>) <c>svid list|show</c>. The X.509 key is made here and never leaves this
/// process; only a CSR goes to the issuer.
/// </summary>
internal static class SvidCommands
{
    public static Command Create()
    {
        var mint = new Command("mint", "Mint an SVID directly (for tests and bootstrapping)");
        mint.Subcommands.Add(X509());
        mint.Subcommands.Add(Jwt());
        var svid = new Command("svid", "Mint, revoke, list and explain SVIDs");
        svid.Subcommands.Add(mint);
        svid.Subcommands.Add(Revoke());
        svid.Subcommands.Add(SvidRecordCommands.List());
        svid.Subcommands.Add(SvidRecordCommands.Show());
        return svid;
    }

    private static Command Revoke()
    {
        var serial = new Option<string>("--serial") { Description = "Serial number (hex; colons and case ignored, as 'openssl x509 -serial' prints it)" };
        var spiffeId = new Option<string>("--spiffe-id") { Description = "Every unexpired X509-SVID with this SPIFFE ID" };
        var entryId = new Option<string>("--entry-id") { Description = "Every unexpired X509-SVID minted for this registration entry" };
        var agentId = new Option<string>("--agent-id") { Description = "Every unexpired X509-SVID this agent obtained, its own included" };
        var reason = new Option<string>("--reason") { Description = "Why, kept with the revocation" };
        var command = new Command(
            "revoke",
            "Revoke X509-SVIDs found through the issuance record (give exactly one of --serial, --spiffe-id, --entry-id, --agent-id). "
            + "They are listed in their CA's CRL, which agents deliver to workloads; agents replace revoked SVIDs they hold.")
        {
            serial, spiffeId, entryId, agentId, reason,
        };
        command.Validators.Add(result =>
        {
            var given = new Option[] { serial, spiffeId, entryId, agentId }.Count(o => result.GetResult(o) is not null);
            if (given != 1)
            {
                result.AddError("give exactly one of --serial, --spiffe-id, --entry-id or --agent-id");
            }
        });
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var body = new SvidRevokeRequest(result.GetValue(serial), result.GetValue(spiffeId), result.GetValue(entryId), result.GetValue(agentId), result.GetValue(reason));
            var view = await client.PostAsync<SvidRevokeView>("v1/svids/revoke", body, ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(view);
                return 0;
            }

            Console.Out.WriteLine($"Revoked {view.Revoked.Count - view.AlreadyRevoked} X509-SVID(s); {view.AlreadyRevoked} were already revoked");
            Console.Out.WriteLine($"{"SERIAL",-34} {"NOT AFTER",-20} {"AUTHORITY",-42} SPIFFE ID");
            foreach (var s in view.Revoked)
            {
                Console.Out.WriteLine($"{s.Serial,-34} {s.NotAfter.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {s.AuthorityId,-42} {s.SpiffeId}");
            }

            return 0;
        }));
        return command;
    }

    private static Command X509()
    {
        var spiffeId = new Option<string>("--spiffe-id") { Description = "SPIFFE ID of the SVID", Required = true };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime (90s, 15m, 1h, 2d); default: the issuer's" };
        var dns = new Option<string[]>("--dns") { Description = "DNS SAN (repeat for more)" };
        var keyType = new Option<string>("--key-type") { Description = "Key to generate: ec-p256, ec-p384, rsa-2048 or rsa-4096", DefaultValueFactory = _ => "ec-p256" };
        CliCommon.AcceptOnly(keyType, "ec-p256", "ec-p384", "rsa-2048", "rsa-4096");
        var write = new Option<string>("--write") { Description = "Directory to write svid.pem, svid.key (0600) and bundle.pem into; without it, print them" };
        var command = new Command("x509", "Mint an X509-SVID") { spiffeId, ttl, dns, keyType, write };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            KeyTypes.TryParse(result.GetValue(keyType)!, out var type);
            using AsymmetricAlgorithm key = type switch
            {
                KeyType.EcP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
                KeyType.Rsa2048 => RSA.Create(2048),
                KeyType.Rsa4096 => RSA.Create(4096),
                _ => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            };
            var request = key is RSA rsa
                ? new CertificateRequest("CN=svid", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest("CN=svid", (ECDsa)key, HashAlgorithmName.SHA256);
            var body = new X509MintRequest(result.GetValue(spiffeId), Convert.ToBase64String(request.CreateSigningRequest()), CliCommon.Seconds(result, ttl), result.GetValue(dns) ?? []);
            var view = await client.PostAsync<X509MintView>("v1/svids/x509", body, ct);
            var keyPem = key.ExportPkcs8PrivateKeyPem() + "\n";
            var directory = result.GetValue(write);
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
                WriteFile(Path.Combine(directory, "svid.key"), keyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                WriteFile(Path.Combine(directory, "svid.pem"), view.SvidPem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                WriteFile(Path.Combine(directory, "bundle.pem"), view.BundlePem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(directory is null
                    ? new { view.SpiffeId, view.Serial, view.ExpiresAt, view.SvidPem, KeyPem = keyPem, view.BundlePem }
                    : new { view.SpiffeId, view.Serial, view.ExpiresAt, Directory = Path.GetFullPath(directory) });
            }
            else if (directory is not null)
            {
                Console.Out.WriteLine($"SPIFFE ID  : {view.SpiffeId}");
                Console.Out.WriteLine($"Serial     : {view.Serial}");
                Console.Out.WriteLine($"Expires at : {view.ExpiresAt:O}");
                Console.Out.WriteLine($"Wrote {Path.Combine(directory, "svid.pem")}, {Path.Combine(directory, "svid.key")} and {Path.Combine(directory, "bundle.pem")}");
            }
            else
            {
                Console.Out.WriteLine("X509-SVID:");
                Console.Out.Write(view.SvidPem);
                Console.Out.WriteLine("Private key:");
                Console.Out.Write(keyPem);
                Console.Out.WriteLine("Root CAs:");
                Console.Out.Write(view.BundlePem);
            }

            return 0;
        }));
        return command;
    }

    private static Command Jwt()
    {
        var spiffeId = new Option<string>("--spiffe-id") { Description = "SPIFFE ID of the SVID", Required = true };
        var audience = new Option<string[]>("--audience") { Description = "Audience (repeat for more)", Required = true };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime; default: the issuer's" };
        var command = new Command("jwt", "Mint a JWT-SVID") { spiffeId, audience, ttl };
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var view = await client.PostAsync<JwtMintView>("v1/svids/jwt", new JwtMintRequest(result.GetValue(spiffeId), result.GetValue(audience), CliCommon.Seconds(result, ttl)), ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(view);
            }
            else
            {
                Console.Out.WriteLine(view.Token);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>Writes through a temporary file created with the final mode, then renames it into place.</summary>
    private static void WriteFile(string path, string content, UnixFileMode mode)
    {
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
