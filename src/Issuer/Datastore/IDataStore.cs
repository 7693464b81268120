namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// The issuer's persistent state. One interface, two providers (SQLite embedded, PostgreSQL for
/// production and HA), one shared test suite. Every write is atomic: it either lands whole or not at all.
/// Implementations are safe to use from many threads and several issuer processes at once.
/// Times are stored with millisecond precision.
/// </summary>
public interface IDataStore
{
    /// <summary>Creates the schema or brings it up to date. Idempotent; safe when several replicas start together.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>True when the database answers.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);

    // Registration entries.

    /// <summary>Stores a new entry, assigning id (when empty), revision and created-at. Throws <see cref="DuplicateEntryException"/>.</summary>
    Task<RegistrationEntry> CreateEntryAsync(RegistrationEntry entry, CancellationToken cancellationToken);

    /// <summary>The entry, or null.</summary>
    Task<RegistrationEntry?> GetEntryAsync(string id, CancellationToken cancellationToken);

    /// <summary>Replaces the entry with this id, bumping its revision. Throws <see cref="NotFoundException"/> or <see cref="DuplicateEntryException"/>.</summary>
    Task<RegistrationEntry> UpdateEntryAsync(RegistrationEntry entry, CancellationToken cancellationToken);

    /// <summary>Deletes the entry and returns it as it was, or null when there was none. Bumps the store revision.</summary>
    Task<RegistrationEntry?> DeleteEntryAsync(string id, CancellationToken cancellationToken);

    /// <summary>Entries matching the filter, ordered by id, one page at a time.</summary>
    Task<Page<RegistrationEntry>> ListEntriesAsync(EntryFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// Entries deleted by a revision above <paramref name="afterRevision"/>, with that revision, oldest
    /// first. With <see cref="ListEntriesAsync"/> and <see cref="EntryFilter.AfterRevision"/> this gives
    /// a sync client every change since the revision it last saw.
    /// </summary>
    Task<IReadOnlyList<(string EntryId, long Revision)>> ListDeletedEntriesAsync(long afterRevision, CancellationToken cancellationToken);

    /// <summary>The highest revision number handed out so far (0 for an empty store).</summary>
    Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes tombstones of entries deleted at or below <paramref name="upToRevision"/>; returns how many.
    /// A sync client asking from an older revision no longer hears of those deletions one by one; it
    /// drops them anyway because the last sync page lists every entry it is still authorized for.
    /// </summary>
    Task<int> PruneEntryTombstonesAsync(long upToRevision, CancellationToken cancellationToken);

    // Join tokens.

    /// <summary>Stores a join token (by hash).</summary>
    Task CreateJoinTokenAsync(JoinToken token, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically removes and returns the token with this hash when it exists and has not expired at
    /// <paramref name="now"/>; null otherwise. Of two racing callers, exactly one gets the token.
    /// </summary>
    Task<JoinToken?> ConsumeJoinTokenAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes tokens that expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> PruneJoinTokensAsync(DateTimeOffset now, CancellationToken cancellationToken);

    // Attested nodes.

    /// <summary>
    /// Creates or replaces the node with this SPIFFE ID; its SVID is current at once and no renewed SVID
    /// stays pending. A ban already stored is kept (an attestation racing an admin's ban cannot clear
    /// it); only <see cref="SetAttestedNodeBannedAsync"/> lifts one.
    /// </summary>
    Task<AttestedNode> UpsertAttestedNodeAsync(AttestedNode node, CancellationToken cancellationToken);

    /// <summary>The node, or null.</summary>
    Task<AttestedNode?> GetAttestedNodeAsync(string spiffeId, CancellationToken cancellationToken);

    /// <summary>Nodes ordered by SPIFFE ID, one page at a time (page size 0 means 100).</summary>
    Task<Page<AttestedNode>> ListAttestedNodesAsync(int pageSize, string? pageToken, CancellationToken cancellationToken);

    /// <summary>Deletes the node; false when there was none.</summary>
    Task<bool> DeleteAttestedNodeAsync(string spiffeId, CancellationToken cancellationToken);

    /// <summary>
    /// A renewal: records <paramref name="newSerial"/> as the node's pending SVID (see
    /// <see cref="AttestedNode.NewCertificateSerial"/>) and sets last-seen, only when the node exists, is
    /// not banned, and its current and pending serials are still <paramref name="expectedSerial"/> and
    /// <paramref name="expectedNewSerial"/> (null: none pending); false otherwise. The current SVID stays
    /// valid, so a renewal whose reply was lost can be repeated with it; a repeat replaces the pending
    /// SVID, so at most one renewed SVID is ever pending. Of two renewals racing, one wins.
    /// </summary>
    Task<bool> SetAttestedNodeNewCertificateAsync(string spiffeId, string expectedSerial, string? expectedNewSerial, string newSerial, DateTimeOffset newNotAfter, DateTimeOffset lastSeenAt, CancellationToken cancellationToken);

    /// <summary>
    /// The agent's first use of its pending SVID: makes it the current SVID (serial and not-after), clears
    /// the pending one and sets last-seen, only when the node is not banned and <paramref name="newSerial"/>
    /// is still pending; false otherwise. From then on the previous SVID is refused.
    /// </summary>
    Task<bool> PromoteAttestedNodeNewCertificateAsync(string spiffeId, string newSerial, DateTimeOffset lastSeenAt, CancellationToken cancellationToken);

    /// <summary>Sets only the node's last-seen time (never overwriting a concurrent change to anything else); false when there is no such node.</summary>
    Task<bool> TouchAttestedNodeAsync(string spiffeId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes nodes that are not banned and whose current SVID, and pending SVID if any, expired before
    /// <paramref name="notAfterBefore"/>; returns how many. Banned nodes stay so the ban keeps refusing the node.
    /// </summary>
    Task<int> PruneAttestedNodesAsync(DateTimeOffset notAfterBefore, CancellationToken cancellationToken);

    /// <summary>Sets only the node's banned flag (a concurrent renewal or last-seen write cannot undo it); false when there is no such node.</summary>
    Task<bool> SetAttestedNodeBannedAsync(string spiffeId, bool banned, CancellationToken cancellationToken);

    // CA journal.

    /// <summary>Creates or replaces the authority with this id.</summary>
    Task<CaAuthority> UpsertAuthorityAsync(CaAuthority authority, CancellationToken cancellationToken);

    /// <summary>Authorities of a kind, of every replica, oldest first.</summary>
    Task<IReadOnlyList<CaAuthority>> ListAuthoritiesAsync(AuthorityKind kind, CancellationToken cancellationToken);

    /// <summary>
    /// Sets only the status of an authority, and only when it is still <paramref name="expected"/>
    /// (a compare-and-set: of two replicas or admins racing, one wins); false otherwise.
    /// </summary>
    Task<bool> SetAuthorityStatusAsync(string id, AuthorityStatus expected, AuthorityStatus status, CancellationToken cancellationToken);

    /// <summary>Deletes the journal row of an authority (and its stored CRL); false when there was none.</summary>
    Task<bool> DeleteAuthorityAsync(string id, CancellationToken cancellationToken);

    // Upstream roots.

    /// <summary>Every upstream root, current and replaced, oldest first.</summary>
    Task<IReadOnlyList<UpstreamRoot>> ListUpstreamRootsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="root"/> as the current upstream root. When there is a current root already,
    /// nothing changes and the result is false, unless <paramref name="replaceCurrent"/>: then the old one
    /// stays stored as replaced. Of two adds racing, one wins.
    /// </summary>
    Task<bool> AddUpstreamRootAsync(UpstreamRoot root, bool replaceCurrent, CancellationToken cancellationToken);

    // Revocation.

    /// <summary>
    /// Records revoked X509-SVIDs in one transaction under one new revocation revision, skipping ones
    /// already revoked. Returns the newly revoked ones as stored (with revision and time); when none is
    /// new, nothing changes and the revision is not raised.
    /// </summary>
    Task<IReadOnlyList<RevokedSvid>> RevokeSvidsAsync(IReadOnlyList<RevokedSvid> svids, CancellationToken cancellationToken);

    /// <summary>Revoked SVIDs signed by one authority (or every one when null), oldest revocation first.</summary>
    Task<IReadOnlyList<RevokedSvid>> ListRevokedSvidsAsync(string? authorityId, CancellationToken cancellationToken);

    /// <summary>The revocation of the X509-SVID with this serial signed by this authority, or null when it is not revoked (or its revocation was pruned).</summary>
    Task<RevokedSvid?> GetRevokedSvidAsync(string authorityId, string serial, CancellationToken cancellationToken);

    /// <summary>The last revocation revision handed out (0 before the first revocation).</summary>
    Task<long> GetRevocationRevisionAsync(CancellationToken cancellationToken);

    /// <summary>Deletes revocations of SVIDs that expired before <paramref name="notAfterBefore"/>; returns how many.</summary>
    Task<int> PruneRevokedSvidsAsync(DateTimeOffset notAfterBefore, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an authority's CRL when its number is higher than the stored one's (or none is stored);
    /// false when a CRL with this or a higher number is already there.
    /// </summary>
    Task<bool> SaveCrlAsync(StoredCrl crl, CancellationToken cancellationToken);

    /// <summary>Every stored CRL, by authority id.</summary>
    Task<IReadOnlyList<StoredCrl>> ListCrlsAsync(CancellationToken cancellationToken);

    // Bundles.

    /// <summary>The bundle of a trust domain, or null.</summary>
    Task<TrustBundle?> GetBundleAsync(string trustDomain, CancellationToken cancellationToken);

    /// <summary>Every stored bundle (own and federated), by trust domain name.</summary>
    Task<IReadOnlyList<TrustBundle>> ListBundlesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Adds authorities to a trust domain's bundle (creating it with sequence 1 when absent), skipping
    /// ones already present (same DER / same kid). Raises the sequence by one only when something was
    /// added. Atomic across replicas. Returns the bundle after the change. <paramref name="isOwn"/> is
    /// recorded when the bundle is created.
    /// </summary>
    Task<TrustBundle> AppendBundleAsync(string trustDomain, bool isOwn, IReadOnlyList<byte[]> x509Authorities, IReadOnlyList<BundleJwtKey> jwtKeys, CancellationToken cancellationToken);

    /// <summary>
    /// Removes authorities from a bundle (X.509 by DER equality, JWT by kid); raises the sequence by one
    /// when something was removed. Throws <see cref="NotFoundException"/> when the bundle does not exist.
    /// </summary>
    Task<TrustBundle> RemoveFromBundleAsync(string trustDomain, IReadOnlyList<byte[]> x509Authorities, IReadOnlyList<string> jwtKeyIds, CancellationToken cancellationToken);

    // Issuance record.

    /// <summary>Stores issuance records in one transaction (the hot path: one round trip for a batch).</summary>
    Task AddIssuanceRecordsAsync(IReadOnlyList<IssuanceRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// Stores issuance records of SVIDs an agent obtained, in one transaction, only while the agent's
    /// node exists and is not banned; false (nothing stored) otherwise. The check holds the node until
    /// commit, so <see cref="SetAttestedNodeBannedAsync"/> either lands first (and this refuses) or
    /// after (and whatever then reads the issuance record — the ban's revocation — sees these records).
    /// </summary>
    Task<bool> AddIssuanceRecordsAsync(IReadOnlyList<IssuanceRecord> records, string agentId, CancellationToken cancellationToken);

    /// <summary>
    /// Issuance records matching the filter, one page at a time, each with its revocation time when revoked,
    /// in the order <see cref="IssuanceFilter"/> describes. Throws <see cref="ArgumentException"/> for a
    /// page token this filter did not hand out.
    /// </summary>
    Task<Page<IssuanceRecord>> ListIssuanceRecordsAsync(IssuanceFilter filter, CancellationToken cancellationToken);

    /// <summary>Deletes issuance records whose SVID expired before <paramref name="notAfterBefore"/>; returns how many.</summary>
    Task<int> PruneIssuanceRecordsAsync(DateTimeOffset notAfterBefore, CancellationToken cancellationToken);

    // Monitoring.

    /// <summary>Counts for the expiry metrics as of <paramref name="now"/>: SVIDs expiring soon by kind, nodes by state, revoked SVIDs.</summary>
    Task<DatastoreStatistics> GetStatisticsAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
