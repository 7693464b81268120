using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Narrow node updates for the agent API: single-statement, so they never overwrite a concurrent ban or renewal.</summary>
internal sealed partial class EfDataStore
{
    public Task<bool> SetAttestedNodeNewCertificateAsync(string spiffeId, string expectedSerial, string? expectedNewSerial, string newSerial, DateTimeOffset newNotAfter, DateTimeOffset lastSeenAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(spiffeId);
        ArgumentException.ThrowIfNullOrEmpty(expectedSerial);
        ArgumentException.ThrowIfNullOrEmpty(newSerial);
        var notAfterMs = DatastoreEncoding.ToUnixMs(newNotAfter);
        var lastSeenMs = DatastoreEncoding.ToUnixMs(lastSeenAt);
        return WriteAsync(
            "set attested node new certificate",
            async (db, ct) => await db.AttestedNodes
                .Where(n => n.SpiffeId == spiffeId && n.CertificateSerial == expectedSerial && n.NewCertificateSerial == expectedNewSerial && !n.Banned)
                .ExecuteUpdateAsync(
                    set => set
                        .SetProperty(n => n.NewCertificateSerial, newSerial)
                        .SetProperty(n => n.NewCertificateNotAfter, notAfterMs)
                        .SetProperty(n => n.LastSeenAt, lastSeenMs),
                    ct) == 1,
            cancellationToken);
    }

    public Task<bool> PromoteAttestedNodeNewCertificateAsync(string spiffeId, string newSerial, DateTimeOffset lastSeenAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(spiffeId);
        ArgumentException.ThrowIfNullOrEmpty(newSerial);
        var lastSeenMs = DatastoreEncoding.ToUnixMs(lastSeenAt);
        return WriteAsync(
            "promote attested node new certificate",
            async (db, ct) => await db.AttestedNodes
                .Where(n => n.SpiffeId == spiffeId && n.NewCertificateSerial == newSerial && n.NewCertificateNotAfter != null && !n.Banned)
                .ExecuteUpdateAsync(
                    set => set
                        .SetProperty(n => n.CertificateSerial, n => n.NewCertificateSerial!)
                        .SetProperty(n => n.CertificateNotAfter, n => n.NewCertificateNotAfter!.Value)
                        .SetProperty(n => n.NewCertificateSerial, (string?)null)
                        .SetProperty(n => n.NewCertificateNotAfter, (long?)null)
                        .SetProperty(n => n.LastSeenAt, lastSeenMs),
                    ct) == 1,
            cancellationToken);
    }

    public Task<bool> TouchAttestedNodeAsync(string spiffeId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(spiffeId);
        var lastSeenMs = DatastoreEncoding.ToUnixMs(lastSeenAt);
        return WriteAsync(
            "touch attested node",
            async (db, ct) => await db.AttestedNodes
                .Where(n => n.SpiffeId == spiffeId)
                .ExecuteUpdateAsync(set => set.SetProperty(n => n.LastSeenAt, lastSeenMs), ct) == 1,
            cancellationToken);
    }

    public Task<bool> SetAttestedNodeBannedAsync(string spiffeId, bool banned, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(spiffeId);
        return WriteAsync(
            "set attested node banned",
            async (db, ct) => await db.AttestedNodes
                .Where(n => n.SpiffeId == spiffeId)
                .ExecuteUpdateAsync(set => set.SetProperty(n => n.Banned, banned), ct) == 1,
            cancellationToken);
    }
}
