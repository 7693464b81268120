using System.Reflection;
using IdentityIssuer.Issuer.Api.Admin;
using IdentityIssuer.Issuer.Api.Agent;
using IdentityIssuer.Issuer.Api.Bundle;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Configuration;
using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Jobs;
using IdentityIssuer.Issuer.KeyManagement;
using IdentityIssuer.Issuer.Ops;
using IdentityIssuer.Issuer.Ops.Metrics;
using Microsoft.Extensions.Configuration;

namespace IdentityIssuer.Issuer.Hosting;

/// <summary>
/// Refuses configuration keys the issuer does not know, so a misspelt setting stops the start with
/// its name instead of being silently ignored.
/// </summary>
internal static class ConfigurationKeyChecker
{
    private static readonly Dictionary<string, Type?> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [IssuerOptions.SectionName] = typeof(IssuerOptions),
        [CaOptions.SectionName] = typeof(CaOptions),
        [AdminApiOptions.SectionName] = typeof(AdminApiOptions),
        [BundleEndpointOptions.SectionName] = typeof(BundleEndpointOptions),
        [OpsOptions.SectionName] = typeof(OpsOptions),
        [AgentApiOptions.SectionName] = typeof(AgentApiOptions),
        [DatastoreOptions.SectionName] = typeof(DatastoreOptions),
        [KeyManagerOptions.SectionName] = typeof(KeyManagerOptions),
        [JobsOptions.SectionName] = typeof(JobsOptions),
        [TelemetryOptions.SectionName] = typeof(TelemetryOptions),
        ["Logging"] = null,
    };

    /// <summary>Throws <see cref="ConfigurationException"/> naming every unknown key.</summary>
    public static void ThrowOnUnknownKeys(IConfiguration configuration)
    {
        var unknown = new List<string>();
        foreach (var section in configuration.GetChildren())
        {
            if (!Sections.TryGetValue(section.Key, out var type))
            {
                unknown.Add(section.Path);
                continue;
            }

            if (type is not null)
            {
                Check(section, type, unknown);
            }
        }

        if (unknown.Count > 0)
        {
            throw new ConfigurationException($"unknown configuration key(s): {string.Join(", ", unknown)}; see docs/configuration.md for the settings");
        }
    }

    private static void Check(IConfigurationSection section, Type type, List<string> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite && !IsComplex(property.PropertyType))
            {
                unknown.Add(child.Path);
                continue;
            }

            if (IsComplex(property.PropertyType))
            {
                Check(child, property.PropertyType, unknown);
            }
        }
    }

    private static bool IsComplex(Type type) => type.IsClass && type != typeof(string) && !type.IsArray && !type.IsGenericType;
}
