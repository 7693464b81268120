using IdentityIssuer.Issuer.Datastore;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace IdentityIssuer.Issuer.Tests.Datastore;

public sealed class DatastoreErrorsTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void Translate_SqliteBusyOrLocked_IsTransient(int code)
    {
        var translated = DatastoreErrors.Translate(new SqliteException("database is locked", code), "test");

        Assert.IsType<TransientDatastoreException>(translated);
        Assert.True(translated.IsTransient);
    }

    [Theory]
    [InlineData("40001", true)]
    [InlineData("40P01", true)]
    [InlineData("23505", false)]
    [InlineData("42P01", false)]
    public void Translate_PostgresError_IsTransientOnlyForRetryableStates(string sqlState, bool transient)
    {
        var error = new PostgresException("failure", "ERROR", "ERROR", sqlState);

        var translated = DatastoreErrors.Translate(new DbUpdateException("save failed", error), "test");

        Assert.NotNull(translated);
        Assert.Equal(transient, translated.IsTransient);
        Assert.Contains("failure", translated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_BugsAndCancellation_AreLeftAlone()
    {
        Assert.Null(DatastoreErrors.Translate(new InvalidOperationException(), "test"));
        Assert.Null(DatastoreErrors.Translate(new OperationCanceledException(), "test"));
        Assert.Null(DatastoreErrors.Translate(new NotFoundException("x"), "test"));
    }

    [Fact]
    public void IsUniqueViolation_RecognisesBothProviders()
    {
        Assert.True(DatastoreErrors.IsUniqueViolation(new DbUpdateException("x", new PostgresException("dup", "ERROR", "ERROR", "23505"))));
        Assert.True(DatastoreErrors.IsUniqueViolation(new DbUpdateException("x", new SqliteException("dup", 19, 2067))));
        Assert.False(DatastoreErrors.IsUniqueViolation(new DbUpdateException("x", new SqliteException("fk", 19, 787))));
    }
}
