using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Agent.Ops;
using IdentityIssuer.Agent.Sinks;
using IdentityIssuer.Agent.Sync;
using IdentityIssuer.Agent.WorkloadApi;
using IdentityIssuer.Attestation.Node;
using IdentityIssuer.Attestation.Workload;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using IdentityIssuer.Shared;

namespace IdentityIssuer.Agent.Hosting;

/// <summary>Builds the agent process: configuration, the sync service, the Workload API socket and file sinks.</summary>
internal static class AgentHost
{
    /// <summary>Environment variables with this prefix override configuration (<c>IDENTITY_AGENT_Agent__JoinToken=…</c>).</summary>
    public const string EnvironmentPrefix = "IDENTITY_AGENT_";

    private static readonly string[] KnownSections = ["Agent", "WorkloadApi", "WorkloadAttestors", "Sinks", "Ops", "Logging"];

    /// <summary>Reads the JSON file, then environment variables, then <c>--Section:Key=value</c> overrides.</summary>
    public static IConfigurationRoot LoadConfiguration(string? configFile, IReadOnlyList<string> overrides) =>
        Shared.LayeredConfiguration.Load(configFile, overrides, EnvironmentPrefix, KnownSections, (message, inner) => new AgentConfigurationException(message, inner));

    /// <summary>
    /// The join token given on the command line: the --join-token value, or the trimmed content of the
    /// --join-token-file file; null when neither is given. A missing, unreadable or empty file, or both
    /// flags at once, is an error naming the flag and the file (never the token).
    /// </summary>
    public static string? JoinTokenFrom(string? joinToken, string? joinTokenFile)
    {
        if (string.IsNullOrEmpty(joinTokenFile))
        {
            return joinToken;
        }

        if (!string.IsNullOrEmpty(joinToken))
        {
            throw new AgentConfigurationException("--join-token and --join-token-file are both given; use --join-token-file alone");
        }

        string content;
        try
        {
            content = File.ReadAllText(joinTokenFile);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new AgentConfigurationException($"--join-token-file '{joinTokenFile}' does not exist", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentConfigurationException($"--join-token-file '{joinTokenFile}' cannot be read: {ex.Message}", ex);
        }

        var token = content.Trim();
        return token.Length > 0 ? token : throw new AgentConfigurationException($"--join-token-file '{joinTokenFile}' is empty");
    }

    /// <summary>Builds the host; <paramref name="joinToken"/> (from --join-token or --join-token-file) overrides the configured one.</summary>
    public static WebApplication Build(IConfigurationRoot configuration, string? joinToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddConfiguration(configuration);
        if (!string.IsNullOrEmpty(joinToken))
        {
            builder.Configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("Agent:JoinToken", joinToken)]);
        }

        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddServiceConsoleLogging(configuration);

        var services = builder.Services;
        services.AddOptions<AgentOptions>().Bind(builder.Configuration.GetSection(AgentOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>());
        services.AddOptions<List<FileSinkOptions>>().Bind(builder.Configuration.GetSection("Sinks"));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IssuerClient>();
        services.TryAddSingleton<IJwtSvidIssuer>(sp => sp.GetRequiredService<IssuerClient>());
        services.TryAddSingleton<AgentStateStore>();
        services.TryAddSingleton<IdentityCache>();
        services.TryAddSingleton<IIdentityCache>(sp => sp.GetRequiredService<IdentityCache>());
        services.TryAddSingleton<FileSinkWriter>();
        services.TryAddSingleton(sp => NodeAttestorClients.Create(sp.GetRequiredService<IOptions<AgentOptions>>().Value));
        services.TryAddSingleton<AgentService>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentService>());
        services.AddWorkloadAttestation(builder.Configuration);
        services.AddWorkloadApi(builder.Configuration);
        services.AddAgentOps(builder.Configuration);

        var workloadApi = builder.Configuration.GetSection(WorkloadApiOptions.SectionName).Get<WorkloadApiOptions>() ?? new WorkloadApiOptions();
        var ops = builder.Configuration.GetSection(AgentOpsOptions.SectionName).Get<AgentOpsOptions>() ?? new AgentOpsOptions();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenWorkloadApi(workloadApi);
            kestrel.ListenAgentOps(ops);
        });

        var app = builder.Build();
        ValidateAllOptions(app.Services);
        app.UseAgentOps();
        app.UseRouting();
        app.MapWorkloadApi();
        return app;
    }

    private static void ValidateAllOptions(IServiceProvider services)
    {
        var failures = new List<string>();
        foreach (var check in new Action[]
        {
            () => _ = services.GetRequiredService<IOptions<AgentOptions>>().Value,
            () => _ = services.GetRequiredService<IOptions<WorkloadApiOptions>>().Value,
            () => _ = services.GetRequiredService<IOptions<AgentOpsOptions>>().Value,
        })
        {
            try
            {
                check();
            }
            catch (OptionsValidationException ex)
            {
                failures.AddRange(ex.Failures);
            }
        }

        if (failures.Count > 0)
        {
            throw new AgentConfigurationException("invalid configuration: " + string.Join("; ", failures));
        }
    }
}

/// <summary>The agent's configuration cannot be used; the message names the file or key.</summary>
internal sealed class AgentConfigurationException : Exception
{
    public AgentConfigurationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
