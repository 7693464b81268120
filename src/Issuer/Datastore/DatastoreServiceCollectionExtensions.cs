using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Registers the issuer's datastore.</summary>
public static class DatastoreServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates the <c>Datastore</c> section (at start), registers a pooled
    /// <see cref="IDbContextFactory{TContext}"/> for the chosen provider and <see cref="IDataStore"/> as
    /// a singleton. SQLite defaults to <c>issuer.db</c> in <paramref name="dataDirectory"/>.
    /// </summary>
    public static IServiceCollection AddIssuerDatastore(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);

        services.AddOptions<DatastoreOptions>()
            .Bind(configuration.GetSection(DatastoreOptions.SectionName))
            .PostConfigure(options =>
            {
                options.Provider = options.Provider?.Trim().ToLowerInvariant() ?? string.Empty;
                if (options.Provider == DatastoreOptions.SqliteProvider && string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    options.ConnectionString = new SqliteConnectionStringBuilder
                    {
                        DataSource = Path.Combine(Path.GetFullPath(dataDirectory), "issuer.db"),
                    }.ToString();
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatastoreOptions>, DatastoreOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddPooledDbContextFactory<IssuerDbContext>((provider, builder) =>
        {
            var options = provider.GetRequiredService<IOptions<DatastoreOptions>>().Value;
            var connectionString = options.ConnectionString!;
            if (options.Provider == DatastoreOptions.PostgresProvider)
            {
                builder.UseNpgsql(connectionString);
            }
            else
            {
                CreateSqliteDirectory(connectionString);
                builder.UseSqlite(connectionString).AddInterceptors(new SqlitePragmaInterceptor());
            }

            // The migrations are written by hand without a model snapshot; a test proves the schema
            // they build equals the model's.
            builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        services.TryAddSingleton<IDataStore, EfDataStore>();
        return services;
    }

    private static void CreateSqliteDirectory(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var dataSource = builder.DataSource;
        if (builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(dataSource) || dataSource == ":memory:")
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }
}
