using IdentityIssuer.Tests.Common.Postgres;

namespace IdentityIssuer.Issuer.Tests.Datastore;

/// <summary>The datastore suite on a real PostgreSQL, one fresh database per test class.</summary>
public sealed class PostgresDataStoreTests(PostgresFixture postgres) : DataStoreSuite, IClassFixture<PostgresFixture>
{
    protected override string Provider => "postgres";

    protected override string ConnectionString => postgres.ConnectionString;

    protected override Task<string> CreateEmptyDatabaseAsync() => postgres.CreateDatabaseAsync();
}
