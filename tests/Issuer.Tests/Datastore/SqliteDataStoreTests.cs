using Microsoft.Data.Sqlite;

namespace IdentityIssuer.Issuer.Tests.Datastore;

/// <summary>The datastore suite on SQLite, one temporary database file per test class.</summary>
public sealed class SqliteDataStoreTests(SqliteDataStoreTests.Files files) : DataStoreSuite, IClassFixture<SqliteDataStoreTests.Files>
{
    protected override string Provider => "sqlite";

    protected override string ConnectionString => files.ClassDatabase;

    protected override Task<string> CreateEmptyDatabaseAsync() => Task.FromResult(files.NewDatabase());

    /// <summary>A temporary directory holding the class's database file and any extra ones; deleted afterwards.</summary>
    public sealed class Files : IDisposable
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "identity-sqlite-" + Guid.NewGuid().ToString("N")[..12]);

        public Files() => ClassDatabase = NewDatabase();

        public string ClassDatabase { get; }

        public string NewDatabase() =>
            new SqliteConnectionStringBuilder
            {
                // A subdirectory that does not exist yet: the store must create it.
                DataSource = Path.Combine(_directory, Guid.NewGuid().ToString("N")[..8], "issuer.db"),
            }.ToString();

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }
}
