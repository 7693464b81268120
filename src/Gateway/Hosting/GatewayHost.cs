using System.Net;
using IdentityIssuer.Gateway.Approvals;
using IdentityIssuer.Gateway.Audit;
using IdentityIssuer.Gateway.Authorization;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Forwarding;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Mapping;
using IdentityIssuer.Gateway.Ops;
using IdentityIssuer.Gateway.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

using IdentityIssuer.Shared;

namespace IdentityIssuer.Gateway.Hosting;

/// <summary>Builds the gateway process: configuration, the mTLS listener, the admin socket, the request pipeline.</summary>
internal static class GatewayHost
{
    /// <summary>Environment variables with this prefix override configuration (<c>IDENTITY_GATEWAY_Upstream__Address=…</c>).</summary>
    public const string EnvironmentPrefix = "IDENTITY_GATEWAY_";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static readonly string[] KnownSections = ["Gateway", "Upstream", "Routes", "Mcp", "Approvals", "Audit", "Ops", "Metrics", "Logging"];

    /// <summary>Reads the JSON file, then environment variables, then <c>--Section:Key=value</c> overrides.</summary>
    public static IConfigurationRoot LoadConfiguration(string? configFile, IReadOnlyList<string> overrides) =>
        Shared.LayeredConfiguration.Load(configFile, overrides, EnvironmentPrefix, KnownSections, (message, inner) => new GatewayConfigurationException(message, inner));

    /// <summary>Binds and validates every section; throws with every problem, each naming its key.</summary>
    public static (GatewaySettings Settings, RestRouteMapper Routes) Validate(IConfiguration configuration)
    {
        GatewaySettings settings;
        try
        {
            settings = configuration.Get<GatewaySettings>() ?? new GatewaySettings();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key ("…value at 'Upstream:ForwardAuthorization'…"); the inner one says what is wrong with the value.
            throw new GatewayConfigurationException("invalid configuration: " + ex.Message + (ex.InnerException is null ? string.Empty : " " + ex.InnerException.Message), ex);
        }

        var errors = GatewaySettingsValidator.Validate(settings);
        var routes = RestRouteMapper.Create(settings.Routes, errors);
        if (settings.Routes.Count == 0 && settings.Mcp.Path.Length == 0)
        {
            errors.Add("Routes / Mcp:Path: nothing is mapped; configure at least one route or the MCP path (every request would be denied)");
        }

        if (errors.Count > 0)
        {
            throw new GatewayConfigurationException("invalid configuration:\n  " + string.Join("\n  ", errors));
        }

        return (settings, routes);
    }

    /// <summary>Builds the host. The policy is loaded when <see cref="Policy.ToolPolicyStore"/> is first resolved.</summary>
    public static WebApplication Build(IConfiguration configuration, GatewaySettings settings, RestRouteMapper routes, IWorkloadIdentitySource identity)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        // YARP logs every forwarded request at Information; the audit line already records each one.
        builder.Services.AddServiceConsoleLogging(configuration, "Yarp");

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(identity);
        services.AddSingleton(settings.Gateway);
        services.AddSingleton(settings.Upstream);
        services.AddSingleton(settings.Mcp);
        services.AddSingleton(settings.Approvals);
        services.AddSingleton(settings.Audit);
        services.AddSingleton(routes);
        services.AddSingleton(new CrlFreshnessOptions { Grace = settings.Gateway.CrlGrace, ClockSkew = settings.Gateway.CrlClockSkew });
        services.AddWorkloadAuthorization(settings.Gateway.PolicyFile, settings.Gateway.PolicyReloadInterval);
        services.TryAddSingleton<ApprovalStore>();
        services.TryAddSingleton<AuditLog>();
        services.AddHttpForwarder();
        services.TryAddSingleton<UpstreamForwarder>();
        if (settings.Upstream.HealthCheck.Path.Length > 0)
        {
            services.AddHostedService<UpstreamHealthMonitor>();
        }
        services.TryAddSingleton<GatewayHandler>();
        services.AddGatewayOps(settings);

        // The admin socket is 0600 from bind on: its mode is set before Kestrel listens on it.
        var adminSocket = Path.GetFullPath(settings.Gateway.AdminSocketPath);
        services.AddOptions<SocketTransportOptions>().Configure(transport => UnixListenSocket.SetModeBeforeListen(transport, adminSocket, OwnerOnly));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Parse(settings.Gateway.Address), settings.Gateway.Port, listen => listen.UseWorkloadMtls(identity));
            kestrel.ListenUnixSocket(adminSocket);
            kestrel.ListenGatewayOps(settings.Ops);
        });

        var app = builder.Build();
        var socketDirectory = Path.GetDirectoryName(adminSocket)!;
        if (!Directory.Exists(socketDirectory))
        {
            Directory.CreateDirectory(socketDirectory, OwnerOnlyDirectory);
        }

        UnixListenSocket.SecureDirectory(adminSocket, "admin socket", "Gateway:AdminSocketPath", app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayHost).FullName!));
        Attestation.Unix.StaleSocket.Reclaim(adminSocket, "admin socket", "a gateway");

        // One process, three listeners: the ops port (marked), the admin socket (no IP address) and the mTLS tool surface.
        app.UseGatewayOps();
        app.MapWhen(context => context.Connection.LocalIpAddress is null, admin =>
        {
            admin.UseRouting();
            admin.UseEndpoints(endpoints =>
            {
                endpoints.MapApprovalAdmin();
                endpoints.MapGet("/v1/health", (IWorkloadIdentitySource identities, Policy.ToolPolicyStore policy) =>
                {
                    var current = identities.Current;
                    return Microsoft.AspNetCore.Http.Results.Ok(new
                    {
                        spiffeId = current.Id.ToString(),
                        serial = current.Certificate.SerialNumber.ToLowerInvariant(),
                        notAfter = new DateTimeOffset(current.Certificate.NotAfter.ToUniversalTime()),
                        policyFile = policy.Path,
                        tools = policy.Current.Tools.Count,
                        rules = policy.Current.Rules.Count,
                    });
                });
            });
        });
        var handler = app.Services.GetRequiredService<GatewayHandler>();
        app.Run(handler.InvokeAsync);
        return app;
    }
}

/// <summary>The gateway's configuration cannot be used; the message names the file or every bad key.</summary>
internal sealed class GatewayConfigurationException : Exception
{
    public GatewayConfigurationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>The identity once the Workload API answered; set after the host is built, before it starts.</summary>
internal sealed class DeferredWorkloadIdentitySource : IWorkloadIdentitySource
{
    private volatile IWorkloadIdentitySource? _inner;

    public WorkloadIdentity Current => (_inner ?? throw new InvalidOperationException("the Workload API has not answered yet")).Current;

    public void Set(IWorkloadIdentitySource inner) => _inner = inner;
}
