using Npgsql;

namespace IdentityIssuer.Tests.Common.Postgres;

/// <summary>
/// The PostgreSQL server the fixtures share: an external one from the environment, or a local
/// throwaway cluster that is started on first use and stopped when the last fixture lets go.
/// </summary>
internal sealed class PostgresServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? _shared;
    private static int _users;

    private readonly LocalPostgresCluster? _cluster;

    private PostgresServer(string adminConnectionString, LocalPostgresCluster? cluster)
    {
        AdminConnectionString = adminConnectionString;
        _cluster = cluster;
    }

    /// <summary>Connection string for administrative statements (CREATE/DROP DATABASE).</summary>
    public string AdminConnectionString { get; }

    public static async Task<PostgresServer> AcquireAsync()
    {
        await Gate.WaitAsync();
        try
        {
            _shared ??= await StartAsync();
            _users++;
            return _shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task ReleaseAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (--_users > 0 || _shared is null)
            {
                return;
            }

            var server = _shared;
            _shared = null;
            if (server._cluster is not null)
            {
                await server._cluster.DisposeAsync();
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(PostgresFixture.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            var builder = new NpgsqlConnectionStringBuilder(external) { Pooling = false };
            var server = new PostgresServer(builder.ConnectionString, cluster: null);
            try
            {
                await server.ExecuteAsync("SELECT 1");
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL named by {PostgresFixture.EnvironmentVariable} does not answer: {ex.Message}", ex);
            }

            return server;
        }

        var cluster = await LocalPostgresCluster.StartAsync();
        return new PostgresServer(cluster.AdminConnectionString, cluster);
    }
}
