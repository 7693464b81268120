using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Authorization;

/// <summary>
/// The gateway's caller validation and tool policy for an ASP.NET Core tool API that terminates
/// mTLS itself:
/// <code>
/// builder.Services.AddSingleton&lt;IWorkloadIdentitySource&gt;(identity);
/// builder.Services.AddWorkloadAuthorization("policy.yaml"); // or policy.json
/// kestrel.Listen(address, port, listen => listen.UseWorkloadMtls(identity));
/// app.UseWorkloadCaller();
/// app.MapGet("/search", …).RequireToolCapability("search:query", ctx => ctx.Request.Query["index"]);
/// </code>
/// </summary>
public static class WorkloadAuthorizationExtensions
{
    /// <summary>
    /// Registers the policy file, YAML (<c>.yaml</c>, <c>.yml</c>) or JSON (<c>.json</c>) by its extension
    /// (loaded at start: a bad file or another extension throws <see cref="ToolPolicyException"/> naming
    /// every problem) and its hot reload every <paramref name="reloadInterval"/> (default 2 s). CRLs are
    /// held to <see cref="CrlFreshnessOptions"/>: register an instance before this call to change the defaults.
    /// </summary>
    public static IServiceCollection AddWorkloadAuthorization(this IServiceCollection services, string policyFile, TimeSpan? reloadInterval = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new CrlFreshnessOptions());
        services.TryAddSingleton<CallerResolver>();
        services.TryAddSingleton(sp =>
        {
            var store = new ToolPolicyStore(policyFile, sp.GetRequiredService<ILogger<ToolPolicyStore>>());
            store.Load();
            return store;
        });
        services.AddSingleton<IHostedService>(sp => new ToolPolicyReloader(
            sp.GetRequiredService<ToolPolicyStore>(),
            reloadInterval ?? TimeSpan.FromSeconds(2),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ToolPolicyReloader>>()));
        return services;
    }

    /// <summary>Requires a valid X509-SVID on every request after this point (401 otherwise).</summary>
    public static IApplicationBuilder UseWorkloadCaller(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<WorkloadCallerMiddleware>();
    }

    /// <summary>
    /// Requires the policy to allow the caller <paramref name="capability"/> (<c>tool:action</c>) on the
    /// target <paramref name="target"/> reads from the request (none: the empty target).
    /// </summary>
    public static TBuilder RequireToolCapability<TBuilder>(this TBuilder builder, string capability, Func<HttpContext, string?>? target = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(capability);
        var separator = capability.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0 || separator == capability.Length - 1)
        {
            throw new ArgumentException($"'{capability}' is not tool:action", nameof(capability));
        }

        var filter = new ToolCapabilityFilter(capability[..separator], capability[(separator + 1)..], ctx => target?.Invoke(ctx) ?? string.Empty);
        builder.AddEndpointFilter(filter);
        return builder;
    }
}
