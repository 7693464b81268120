using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Api;
using IdentityIssuer.Issuer.Api.Admin;
using IdentityIssuer.Issuer.Api.Agent;
using IdentityIssuer.Issuer.Api.Bundle;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Revocation;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Jobs;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Issuer.Ops;
using IdentityIssuer.Issuer.Ops.Metrics;
using IdentityIssuer.Issuer.Registration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using IdentityIssuer.Shared;

namespace IdentityIssuer.Issuer.Hosting;

/// <summary>Builds the issuer process: configuration, services, the three listeners and their pipelines.</summary>
internal static class IssuerHost
{
    /// <summary>Environment variables with this prefix override configuration (<c>IDENTITY_ISSUER_Ca__KeyType=ec-p384</c>).</summary>
    public const string EnvironmentPrefix = "IDENTITY_ISSUER_";

    /// <summary>Reads configuration: the JSON file, then environment variables, then command-line overrides.</summary>
    public static IConfigurationRoot LoadConfiguration(string? configFile, IReadOnlyList<string> overrides) =>
        // Only what the operator wrote is checked for misspelt keys: the environment also holds
        // variables with our prefix that are not settings (the admin socket, the key encryption key).
        LayeredConfiguration.Load(configFile, overrides, EnvironmentPrefix, ConfigurationKeyChecker.ThrowOnUnknownKeys, (message, inner) => inner is null ? new ConfigurationException(message) : new ConfigurationException(message, inner));

    /// <summary>Registers every issuer service; shared by the web host and by the migrate command.</summary>
    public static IssuerOptions AddIssuerServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IssuerOptions>().Bind(configuration.GetSection(IssuerOptions.SectionName)).ValidateOnStart();
        services.AddOptions<CaOptions>().Bind(configuration.GetSection(CaOptions.SectionName)).ValidateOnStart();
        services.AddOptions<AdminApiOptions>().Bind(configuration.GetSection(AdminApiOptions.SectionName)).ValidateOnStart();
        services.AddOptions<BundleEndpointOptions>().Bind(configuration.GetSection(BundleEndpointOptions.SectionName)).ValidateOnStart();
        services.AddOptions<OpsOptions>().Bind(configuration.GetSection(OpsOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IssuerOptions>, IssuerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CaOptions>, IssuerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdminApiOptions>, ListenerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BundleEndpointOptions>, ListenerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpsOptions>, ListenerOptionsValidator>());

        var issuer = configuration.GetSection(IssuerOptions.SectionName).Get<IssuerOptions>() ?? new IssuerOptions();
        var dataDirectory = Path.GetFullPath(issuer.DataDirectory);
        services.TryAddSingleton(TimeProvider.System);
        services.AddIssuerDatastore(configuration, dataDirectory);
        services.AddKeyManager(configuration, dataDirectory);
        services.TryAddSingleton<CaManager>();
        services.TryAddSingleton<X509SvidMinter>();
        services.TryAddSingleton<JwtSvidMinter>();
        services.TryAddSingleton<TrustBundleService>();
        services.TryAddSingleton<X509AuthorityChains>();
        services.TryAddSingleton<EntryService>();
        services.TryAddSingleton<ServerSvidProvider>();
        services.TryAddSingleton<CrlService>();
        services.TryAddSingleton<RevocationState>();
        services.TryAddSingleton<SvidRevocationService>();
        services.AddAgentApi(configuration);
        return issuer;
    }

    /// <summary>Builds the web host with the admin socket, bundle endpoint and ops listeners.</summary>
    public static WebApplication Build(IConfigurationRoot configuration)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddServiceConsoleLogging(configuration, "Quartz");
        var issuer = builder.Services.AddIssuerServices(configuration);
        builder.Services.AddHostedService<IssuerStartup>();

        // After IssuerStartup: the scheduler starts once the schema and the CA are ready.
        builder.Services.AddIssuerJobs(configuration);
        builder.Services.AddHealthChecks()
            .AddCheck<DatastoreHealthCheck>("datastore", tags: ["ready"])
            .AddCheck<CaHealthCheck>("ca", tags: ["ready"])
            .AddCheck<KeyManagerHealthCheck>("key-manager", tags: ["ready"]);
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        var admin = configuration.GetSection(AdminApiOptions.SectionName).Get<AdminApiOptions>() ?? new AdminApiOptions();
        var bundle = configuration.GetSection(BundleEndpointOptions.SectionName).Get<BundleEndpointOptions>() ?? new BundleEndpointOptions();
        var ops = configuration.GetSection(OpsOptions.SectionName).Get<OpsOptions>() ?? new OpsOptions();
        var agentApi = configuration.GetSection(AgentApiOptions.SectionName).Get<AgentApiOptions>() ?? new AgentApiOptions();
        var socketPath = AdminSocket.PathFor(admin, issuer);
        builder.Services.AddOptions<SocketTransportOptions>().Configure(transport => AdminSocket.SetModeBeforeListen(transport, socketPath, admin));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenUnixSocket(socketPath);
            if (bundle.Enabled && IPAddress.TryParse(bundle.Address, out var bundleAddress))
            {
                kestrel.Listen(bundleAddress, bundle.Port, listen => listen.UseHttps(BundleTls(kestrel.ApplicationServices, bundle)));
            }

            kestrel.ListenAgentApi(agentApi);
            if (ops.Port > 0 && IPAddress.TryParse(ops.Address, out var opsAddress))
            {
                kestrel.Listen(opsAddress, ops.Port);
            }
        });

        var app = builder.Build();
        ValidateAllOptions(app.Services);
        Directory.CreateDirectory(issuer.DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        AdminSocket.PrepareForListen(socketPath, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminSocket).FullName!));

        // One process, three listeners; each request is routed by the listener it arrived on.
        app.MapWhen(IsAdminSocket, adminApp =>
        {
            adminApp.UseMiddleware<AdminBadRequestMiddleware>();
            adminApp.UseRouting();
            adminApp.UseEndpoints(endpoints => endpoints.MapAdminApi());
        });
        app.UseAgentApi();
        app.MapWhen(context => context.Request.IsHttps, bundleApp => bundleApp.UseBundleEndpoint());
        app.UseMetricsEndpoint();
        app.UseHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.UseHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    /// <summary>
    /// Validates every section before anything starts and reports all problems in one error;
    /// the host's own start-up validation would stop at the first section that fails.
    /// </summary>
    private static void ValidateAllOptions(IServiceProvider services)
    {
        var failures = new List<string>();
        Check<IssuerOptions>(services, failures);
        Check<CaOptions>(services, failures);
        Check<DatastoreOptions>(services, failures);
        Check<KeyManagerOptions>(services, failures);
        Check<AdminApiOptions>(services, failures);
        Check<BundleEndpointOptions>(services, failures);
        Check<OpsOptions>(services, failures);
        Check<AgentApiOptions>(services, failures);
        Check<JobsOptions>(services, failures);
        Check<TelemetryOptions>(services, failures);
        if (failures.Count > 0)
        {
            throw new ConfigurationException("invalid configuration: " + string.Join("; ", failures));
        }
    }

    private static void Check<T>(IServiceProvider services, List<string> failures)
        where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
    }

    private static bool IsAdminSocket(HttpContext context) => context.Connection.LocalIpAddress is null;

    private static TlsHandshakeCallbackOptions BundleTls(IServiceProvider services, BundleEndpointOptions bundle)
    {
        SslStreamCertificateContext? webContext = null;
        if (bundle.Profile == "https_web")
        {
            var certificate = X509Certificate2.CreateFromPemFile(bundle.CertificateFile, bundle.KeyFile);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(bundle.CertificateFile);
            webContext = SslStreamCertificateContext.Create(certificate, chain, offline: true);
        }

        return new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = webContext ?? services.GetRequiredService<ServerSvidProvider>().GetContext(),
                ClientCertificateRequired = false,
            }),
        };
    }
}
