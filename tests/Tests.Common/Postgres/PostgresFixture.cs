using Npgsql;
using Xunit;

namespace IdentityIssuer.Tests.Common.Postgres;

/// <summary>
/// A fresh PostgreSQL database for one test class (use as an <c>IClassFixture</c>). The server is the
/// one named by <see cref="EnvironmentVariable"/> when set, otherwise a throwaway cluster started from
/// the local PostgreSQL binaries and shared by every fixture in the test process. Without either, the
/// fixture fails (tests never skip for want of PostgreSQL).
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    /// <summary>An Npgsql connection string to a server where the user may CREATE DATABASE.</summary>
    public const string EnvironmentVariable = "IDENTITY_TEST_POSTGRES";

    private readonly List<string> _databases = [];
    private PostgresServer? _server;
    private string? _connectionString;

    /// <summary>Connection string of this fixture's own database.</summary>
    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("the fixture has not started");

    /// <summary>Creates another empty database on the same server, dropped when the fixture is disposed.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var server = _server ?? throw new InvalidOperationException("the fixture has not started");
        var name = "identity_test_" + Guid.NewGuid().ToString("N")[..16];
        await server.ExecuteAsync($"CREATE DATABASE \"{name}\"");
        lock (_databases)
        {
            _databases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = await PostgresServer.AcquireAsync();
        _connectionString = await CreateDatabaseAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is null)
        {
            return;
        }

        try
        {
            foreach (var name in _databases)
            {
                // FORCE ends connections that pools still hold open.
                await _server.ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            }
        }
        finally
        {
            await PostgresServer.ReleaseAsync();
            _server = null;
        }
    }
}
