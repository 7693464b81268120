namespace IdentityIssuer.Issuer.Datastore;

/// <summary>The <c>Datastore</c> configuration section.</summary>
public sealed class DatastoreOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Datastore";

    /// <summary>Value of <see cref="Provider"/> for the embedded SQLite store.</summary>
    public const string SqliteProvider = "sqlite";

    /// <summary>Value of <see cref="Provider"/> for PostgreSQL.</summary>
    public const string PostgresProvider = "postgres";

    /// <summary><c>sqlite</c> (default, embedded, one issuer) or <c>postgres</c> (production, several replicas).</summary>
    public string Provider { get; set; } = SqliteProvider;

    /// <summary>
    /// ADO.NET connection string. For SQLite it defaults to <c>Data Source=&lt;data directory&gt;/issuer.db</c>;
    /// for PostgreSQL it is required.
    /// </summary>
    public string? ConnectionString { get; set; }
}
