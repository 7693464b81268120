using IdentityIssuer.Issuer.Datastore;
using IdentityIssuer.Issuer.Datastore.Migrations;
using Npgsql;
using Quartz;

namespace IdentityIssuer.Issuer.Jobs;

/// <summary>
/// The issuer's two Quartz schedulers. <see cref="Local"/> runs the per-replica jobs (each replica
/// rotates its own authorities, whose keys only it holds) from an in-memory store on every replica.
/// <see cref="Global"/> runs the jobs that must run once for the whole deployment (pruning, the expiry
/// scan): in memory with SQLite, which has one issuer; with PostgreSQL on Quartz's persistent store,
/// clustered over the <c>qrtz_</c> tables, so each global job runs on one replica at a time and
/// <see cref="DisallowConcurrentExecutionAttribute"/> holds across replicas.
/// </summary>
internal static class IssuerSchedulers
{
    /// <summary>The per-replica scheduler's name.</summary>
    public const string Local = "issuer-local";

    /// <summary>The global scheduler's name; every replica uses the same one, which is what makes them one cluster.</summary>
    public const string Global = "issuer-global";

    /// <summary>
    /// Gives the global scheduler its job store: clustered over PostgreSQL when the datastore is PostgreSQL,
    /// in memory otherwise. The tables come from the issuer's own migration; the store only checks them.
    /// Job data is stored as strings, so no serializer is involved (the issuer's jobs carry none).
    /// </summary>
    public static void UseGlobalStore(IQuartzBuilder quartz, DatastoreOptions datastore)
    {
        ArgumentNullException.ThrowIfNull(quartz);
        ArgumentNullException.ThrowIfNull(datastore);
        if (!IsClustered(datastore))
        {
            quartz.UseInMemoryStore();
            return;
        }

        var connectionString = new NpgsqlConnectionStringBuilder(datastore.ConnectionString) { ApplicationName = "identity-issuer jobs" }.ConnectionString;
        quartz.UsePersistentStore(store =>
        {
            store.UsePostgres(NpgsqlFactory.Instance, connectionString);
            store.UseClustering(_ => { });

            // One history for the cluster (qrtz_execution_history, qrtz_job_status): which replica ran
            // each global job and when, kept 24 hours and at most 2000 rows.
            store.UseExecutionHistory();
            store.ConfigureStore(options =>
            {
                options.TablePrefix = QuartzClusteredJobStore.TablePrefix;
                options.StoreJobDataAsStrings = true;
                options.SchemaProvisioning = SchemaProvisioning.Validate;
            });
        });
    }

    /// <summary>True when the global jobs run on a cluster-wide store (the datastore is PostgreSQL).</summary>
    public static bool IsClustered(DatastoreOptions datastore)
    {
        ArgumentNullException.ThrowIfNull(datastore);
        return string.Equals(datastore.Provider?.Trim(), DatastoreOptions.PostgresProvider, StringComparison.OrdinalIgnoreCase)
            && !string.IsNullOrWhiteSpace(datastore.ConnectionString);
    }
}
