using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Classifies provider exceptions: unique violations, and transient versus permanent faults.</summary>
internal static class DatastoreErrors
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;
    private const string PostgresUniqueViolation = "23505";

    /// <summary>True when <paramref name="exception"/> (or its cause) is a UNIQUE or PRIMARY KEY violation.</summary>
    public static bool IsUniqueViolation(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg when pg.SqlState == PostgresUniqueViolation:
                    return true;
                case SqliteException sqlite when sqlite.SqliteErrorCode == SqliteConstraint
                    && sqlite.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// When <paramref name="exception"/> is a database fault, the <see cref="DatastoreException"/> to throw
    /// instead (transient or not); null for anything else (bugs, cancellation, our own exceptions).
    /// </summary>
    public static DatastoreException? Translate(Exception exception, string operation)
    {
        if (exception is DatastoreException or OperationCanceledException)
        {
            return null;
        }

        if (exception is not (DbException or DbUpdateException or TimeoutException))
        {
            return null;
        }

        var message = $"datastore {operation} failed: {Innermost(exception).Message}";
        return IsTransient(exception)
            ? new TransientDatastoreException(message, exception)
            : new DatastoreException(message, exception);
    }

    private static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException sqlite when sqlite.SqliteErrorCode is SqliteBusy or SqliteLocked:
                    return true;
                case DbException db when db.IsTransient:
                    return true;
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e is DbUpdateException && e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
