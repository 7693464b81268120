using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Narrow node updates for the agent API: single-statement, so they never overwrite a concurrent ban or renewal.</summary>
internal sealed partial class EfDataStore
{
    public Task<bool> UpdateAttestedNodeCertificateAsync(string spiffeId, string expectedSerial, string serial, DateTimeOffset notAfter, DateTimeOffset lastSeenAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(spiffeId);
        ArgumentException.ThrowIfNullOrEmpty(expectedSerial);
        ArgumentException.ThrowIfNullOrEmpty(serial);
        var notAfterMs = DatastoreEncoding.ToUnixMs(notAfter);
        var lastSeenMs = DatastoreEncoding.ToUnixMs(lastSeenAt);
        return WriteAsync(
            "update attested node certificate",
            async (db, ct) => await db.AttestedNodes
                .Where(n => n.SpiffeId == spiffeId && n.CertificateSerial == expectedSerial && !n.Banned)
                .ExecuteUpdateAsync(
                    set => set
                        .SetProperty(n => n.CertificateSerial, serial)
                        .SetProperty(n => n.CertificateNotAfter, notAfterMs)
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
