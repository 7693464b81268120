using System.CommandLine;
using IdentityIssuer.Issuer.Api.Admin.Contracts;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Cli;

/// <summary><c>run</c>, <c>migrate</c> and <c>healthcheck</c>.</summary>
internal static class ServerCommands
{
    internal static readonly Option<string> Config = new("--config") { Description = "Configuration file (JSON); environment variables IDENTITY_ISSUER_Section__Key and trailing --Section:Key=value arguments override it" };

    public static Command Run()
    {
        var command = new Command("run", "Run the issuer") { Config };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            WebApplication app;
            try
            {
                var configuration = IssuerHost.LoadConfiguration(result.GetValue(Config), result.UnmatchedTokens);
                app = IssuerHost.Build(configuration);
                await app.StartAsync(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return CliCommon.StartupFailure(ex);
            }

            await app.WaitForShutdownAsync(CancellationToken.None);
            await app.DisposeAsync();
            return 0;
        });
        return command;
    }

    public static Command Migrate()
    {
        var command = new Command("migrate", "Create or update the database schema, then exit") { Config };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            try
            {
                var configuration = IssuerHost.LoadConfiguration(result.GetValue(Config), result.UnmatchedTokens);
                var services = new ServiceCollection();
                services.AddLogging(l => l.AddConfiguration(configuration.GetSection("Logging")).AddSimpleConsole());
                services.AddIssuerServices(configuration);
                await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false });
                var store = provider.GetRequiredService<IDataStore>();
                await store.MigrateAsync(ct);
                Console.Out.WriteLine("Database schema is up to date.");
                return 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return CliCommon.StartupFailure(ex);
            }
        });
        return command;
    }

    public static Command Healthcheck()
    {
        var command = new Command("healthcheck", "Check that the issuer answers on its admin socket and its CA is ready");
        command.SetAction((result, ct) => CliCommon.RunAsync(result, ct, async client =>
        {
            var health = await client.GetAsync<HealthView>("v1/health", ct);
            if (CliCommon.IsJson(result))
            {
                CliCommon.PrintJson(health);
            }
            else
            {
                Console.Out.WriteLine($"Issuer is healthy: trust domain {health.TrustDomain}, X.509 CA {health.X509AuthorityId} valid until {health.X509AuthorityNotAfter:O}");
            }

            return 0;
        }));
        return command;
    }
}
