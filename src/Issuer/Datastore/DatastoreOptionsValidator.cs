using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Checks the <c>Datastore</c> section at start and reports every problem at once, naming the key.</summary>
internal sealed class DatastoreOptionsValidator : IValidateOptions<DatastoreOptions>
{
    public ValidateOptionsResult Validate(string? name, DatastoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string providerKey = DatastoreOptions.SectionName + ":Provider";
        const string connectionKey = DatastoreOptions.SectionName + ":ConnectionString";
        var provider = options.Provider;
        var isSqlite = string.Equals(provider, DatastoreOptions.SqliteProvider, StringComparison.Ordinal);
        var isPostgres = string.Equals(provider, DatastoreOptions.PostgresProvider, StringComparison.Ordinal);
        if (!isSqlite && !isPostgres)
        {
            errors.Add($"{providerKey} must be '{DatastoreOptions.SqliteProvider}' or '{DatastoreOptions.PostgresProvider}' (got '{provider}')");
        }

        if (!isSqlite && !isPostgres)
        {
            // Which connection string fits depends on the provider; nothing more to say.
        }
        else if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{connectionKey} is required when {providerKey} is '{provider}'");
        }
        else
        {
            try
            {
                if (isSqlite)
                {
                    var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
                    if (string.IsNullOrEmpty(builder.DataSource))
                    {
                        errors.Add($"{connectionKey} must name a database file (Data Source=...)");
                    }
                }
                else
                {
                    _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                }
            }
            catch (ArgumentException ex)
            {
                // The message names the bad keyword; the connection string itself may hold a password.
                errors.Add($"{connectionKey} is not a valid {provider} connection string: {ex.Message}");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
