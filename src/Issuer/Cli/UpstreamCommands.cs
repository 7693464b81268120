using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Hosting;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Spiffe.X509;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Cli;

/// <summary>
/// <c>upstream init</c> and <c>upstream show</c>. Both run offline with the issuer's configuration (like
/// <c>migrate</c>): they open the datastore and the upstream key manager themselves, so no running
/// issuer and no admin API ever handles the creation of the root key.
/// </summary>
internal static class UpstreamCommands
{
    public static Command Create()
    {
        var force = new Option<bool>("--force") { Description = "Replace the current upstream root: a new key and certificate; the old root stays in the trust bundle until it expires, and the next X.509 CA (at rotation or 'authority x509 prepare') is signed by the new one" };
        var init = new Command("init", "Create the upstream root from the configuration (Ca:Upstream): a key in Ca:Upstream:KeyManager and a self-signed CA certificate, stored in the datastore and published in the trust bundle. Refuses when a root exists, unless --force") { ServerCommands.Config, force };
        init.TreatUnmatchedTokensAsErrors = false;
        init.SetAction((result, ct) => RunOfflineAsync(result, ct, async upstream =>
        {
            var root = await upstream.InitAsync(result.GetValue(force), ct);
            Print(result, root, upstream.KeyManager.Name, heading: "Created upstream root");
        }));

        var show = new Command("show", "Print the current upstream root (id, key, validity, PEM) and any replaced ones, from the datastore") { ServerCommands.Config };
        show.TreatUnmatchedTokensAsErrors = false;
        show.SetAction((result, ct) => RunOfflineAsync(result, ct, async upstream =>
        {
            var roots = await upstream.ListAsync(ct);
            if (roots.Count == 0)
            {
                throw new CaException("the datastore holds no upstream root; run 'identity-issuer upstream init'");
            }

            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(new { roots = roots.OrderByDescending(r => r.IsCurrent).Select(ToJson) });
                return;
            }

            foreach (var root in roots.OrderByDescending(r => r.IsCurrent))
            {
                Print(result, root, root.KeyManager, heading: root.IsCurrent ? "Current upstream root" : "Replaced upstream root");
            }
        }));

        var upstream = new Command("upstream", "Create and show the upstream root whose key is held by Ca:Upstream:KeyManager (an HSM, a KMS or a disk directory of its own); runs offline with --config");
        upstream.Subcommands.Add(init);
        upstream.Subcommands.Add(show);
        return upstream;
    }

    private static async Task<int> RunOfflineAsync(ParseResult result, CancellationToken ct, Func<UpstreamRootAuthority, Task> action)
    {
        try
        {
            var configuration = IssuerHost.LoadConfiguration(result.GetValue(ServerCommands.Config), result.UnmatchedTokens);
            var services = new ServiceCollection();
            // Logs go to stderr so that stdout holds only the result (and parses with --output json).
            services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning).AddConfiguration(configuration.GetSection("Logging")).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
            services.AddIssuerServices(configuration);
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false });
            var upstream = provider.GetRequiredService<UpstreamRootAuthority>();
            if (!upstream.IsConfigured)
            {
                return CliCommon.Fail(result, $"{UpstreamRootOptions.KeyManagerSectionPath}:Type is not set: configure the key manager that holds the upstream root key (see docs/configuration.md)", null);
            }

            await provider.GetRequiredService<IDataStore>().MigrateAsync(ct);
            await action(upstream);
            return 0;
        }
        catch (CaException ex)
        {
            return CliCommon.Fail(result, ex.Message, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return CliCommon.StartupFailure(ex);
        }
    }

    private static object ToJson(UpstreamRoot root)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(root.Certificate);
        return new
        {
            id = root.Id,
            current = root.IsCurrent,
            keyManager = root.KeyManager,
            keyId = root.KeyId,
            keyType = X509Extensions.DescribeKey(certificate.PublicKey),
            subject = certificate.Subject,
            notBefore = root.NotBefore,
            notAfter = root.NotAfter,
            createdAt = root.CreatedAt,
            certificatePem = DerCertificates.ToPem([certificate]),
        };
    }

    private static void Print(ParseResult result, UpstreamRoot root, string keyManager, string heading)
    {
        if (CliCommon.IsJson(result))
        {
            CliCommon.PrintJson(ToJson(root));
            return;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(root.Certificate);
        Console.Out.WriteLine($"{heading} {root.Id}");
        Console.Out.WriteLine($"Subject     : {certificate.Subject}");
        Console.Out.WriteLine($"Key         : {root.KeyId} ({X509Extensions.DescribeKey(certificate.PublicKey)}) in key manager {keyManager}");
        Console.Out.WriteLine($"Not before  : {root.NotBefore:O}");
        Console.Out.WriteLine($"Not after   : {root.NotAfter:O}");
        Console.Out.WriteLine($"Created     : {root.CreatedAt:O}");
        Console.Out.Write(DerCertificates.ToPem([certificate]));
    }
}
