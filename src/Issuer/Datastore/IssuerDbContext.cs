using System.Text;
using IdentityIssuer.Issuer.Datastore.Entities;
using Microsoft.EntityFrameworkCore;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// The issuer's EF Core model. Table, column, key and index names are snake_case and spelled out here
/// so the hand-written migrations (which carry no model snapshot) produce exactly this schema.
/// </summary>
internal sealed class IssuerDbContext(DbContextOptions<IssuerDbContext> options) : DbContext(options)
{
    public DbSet<RegistrationEntryEntity> Entries => Set<RegistrationEntryEntity>();

    public DbSet<EntrySelectorEntity> EntrySelectors => Set<EntrySelectorEntity>();

    public DbSet<EntryTombstoneEntity> EntryTombstones => Set<EntryTombstoneEntity>();

    public DbSet<JoinTokenEntity> JoinTokens => Set<JoinTokenEntity>();

    public DbSet<AttestedNodeEntity> AttestedNodes => Set<AttestedNodeEntity>();

    public DbSet<CaAuthorityEntity> Authorities => Set<CaAuthorityEntity>();

    public DbSet<BundleEntity> Bundles => Set<BundleEntity>();

    public DbSet<BundleX509AuthorityEntity> BundleX509Authorities => Set<BundleX509AuthorityEntity>();

    public DbSet<BundleJwtKeyEntity> BundleJwtKeys => Set<BundleJwtKeyEntity>();

    public DbSet<IssuanceRecordEntity> IssuanceRecords => Set<IssuanceRecordEntity>();

    public DbSet<RevisionCounterEntity> RevisionCounter => Set<RevisionCounterEntity>();

    public DbSet<RevokedSvidEntity> RevokedSvids => Set<RevokedSvidEntity>();

    public DbSet<CrlEntity> Crls => Set<CrlEntity>();

    /// <summary>Upstream roots (<c>upstream_roots</c>).</summary>
    public DbSet<UpstreamRootEntity> UpstreamRoots => Set<UpstreamRootEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RegistrationEntryEntity>(b =>
        {
            b.ToTable("registration_entries");
            b.HasKey(e => e.Id).HasName("pk_registration_entries");
            b.HasIndex(e => new { e.SpiffeId, e.ParentId, e.SelectorsHash }).IsUnique().HasDatabaseName("ux_registration_entries_identity");
            b.HasIndex(e => e.ParentId).HasDatabaseName("ix_registration_entries_parent_id");
            b.HasIndex(e => e.RevisionNumber).HasDatabaseName("ix_registration_entries_revision_number");
            b.HasMany(e => e.Selectors).WithOne().HasForeignKey(s => s.EntryId)
                .OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_entry_selectors_entry_id");
        });

        modelBuilder.Entity<EntrySelectorEntity>(b =>
        {
            b.ToTable("entry_selectors");
            b.HasKey(s => new { s.EntryId, s.Type, s.Value }).HasName("pk_entry_selectors");
            b.HasIndex(s => new { s.Type, s.Value }).HasDatabaseName("ix_entry_selectors_type_value");
        });

        modelBuilder.Entity<EntryTombstoneEntity>(b =>
        {
            b.ToTable("entry_tombstones");
            b.HasKey(t => t.EntryId).HasName("pk_entry_tombstones");
            b.HasIndex(t => t.RevisionNumber).HasDatabaseName("ix_entry_tombstones_revision_number");
        });

        modelBuilder.Entity<JoinTokenEntity>(b =>
        {
            b.ToTable("join_tokens");
            b.HasKey(t => t.TokenHash).HasName("pk_join_tokens");
            b.HasIndex(t => t.ExpiresAt).HasDatabaseName("ix_join_tokens_expires_at");
        });

        modelBuilder.Entity<AttestedNodeEntity>(b =>
        {
            b.ToTable("attested_nodes");
            b.HasKey(n => n.SpiffeId).HasName("pk_attested_nodes");
            b.HasIndex(n => n.CertificateNotAfter).HasDatabaseName("ix_attested_nodes_certificate_not_after");
        });

        modelBuilder.Entity<CaAuthorityEntity>(b =>
        {
            b.ToTable("ca_authorities");
            b.HasKey(a => a.Id).HasName("pk_ca_authorities");
            b.HasIndex(a => new { a.Kind, a.CreatedAt }).HasDatabaseName("ix_ca_authorities_kind_created_at");
            b.HasIndex(a => a.Replica).HasDatabaseName("ix_ca_authorities_replica");
            b.Property(a => a.Replica).HasDefaultValue("primary");
        });

        modelBuilder.Entity<BundleEntity>(b =>
        {
            b.ToTable("bundles");
            b.HasKey(x => x.TrustDomain).HasName("pk_bundles");
            b.HasMany(x => x.X509Authorities).WithOne().HasForeignKey(a => a.TrustDomain)
                .OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_bundle_x509_authorities_trust_domain");
            b.HasMany(x => x.JwtKeys).WithOne().HasForeignKey(k => k.TrustDomain)
                .OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_bundle_jwt_keys_trust_domain");
        });

        modelBuilder.Entity<BundleX509AuthorityEntity>(b =>
        {
            b.ToTable("bundle_x509_authorities");
            b.HasKey(a => new { a.TrustDomain, a.DerSha256 }).HasName("pk_bundle_x509_authorities");
        });

        modelBuilder.Entity<BundleJwtKeyEntity>(b =>
        {
            b.ToTable("bundle_jwt_keys");
            b.HasKey(k => new { k.TrustDomain, k.KeyId }).HasName("pk_bundle_jwt_keys");
        });

        modelBuilder.Entity<IssuanceRecordEntity>(b =>
        {
            b.ToTable("issuance_records");
            b.HasKey(r => new { r.Serial, r.Kind }).HasName("pk_issuance_records");
            // Each filter's equality column, then the keyset order, so a page is one index range (no sort).
            b.HasIndex(r => new { r.SpiffeId, r.CreatedAt, r.Serial, r.Kind }).HasDatabaseName("ix_issuance_records_spiffe_id");
            b.HasIndex(r => new { r.EntryId, r.CreatedAt, r.Serial, r.Kind }).HasDatabaseName("ix_issuance_records_entry_id");
            b.HasIndex(r => new { r.Caller, r.CreatedAt, r.Serial, r.Kind }).HasDatabaseName("ix_issuance_records_caller");
            b.HasIndex(r => new { r.SigningAuthority, r.CreatedAt, r.Serial, r.Kind }).HasDatabaseName("ix_issuance_records_signing_authority");
            b.HasIndex(r => new { r.NotAfter, r.Serial, r.Kind }).HasDatabaseName("ix_issuance_records_not_after");
            b.HasIndex(r => new { r.CreatedAt, r.Serial, r.Kind }).HasDatabaseName("ix_issuance_records_created_at");
        });

        modelBuilder.Entity<RevisionCounterEntity>(b =>
        {
            b.ToTable("revision_counter");
            b.HasKey(c => c.Id).HasName("pk_revision_counter");
            b.Property(c => c.Id).ValueGeneratedNever();
        });

        modelBuilder.Entity<RevokedSvidEntity>(b =>
        {
            b.ToTable("revoked_svids");
            b.HasKey(r => new { r.AuthorityId, r.Serial }).HasName("pk_revoked_svids");
            b.HasIndex(r => r.NotAfter).HasDatabaseName("ix_revoked_svids_not_after");
            b.HasIndex(r => new { r.Revision, r.AuthorityId, r.Serial }).HasDatabaseName("ix_revoked_svids_revision");
        });

        modelBuilder.Entity<CrlEntity>(b =>
        {
            b.ToTable("crls");
            b.HasKey(c => c.AuthorityId).HasName("pk_crls");
            b.Property(c => c.CrlNumber).ValueGeneratedNever();
        });

        modelBuilder.Entity<UpstreamRootEntity>(b =>
        {
            b.ToTable("upstream_roots");
            b.HasKey(r => r.Id).HasName("pk_upstream_roots");
            b.HasIndex(r => r.Current).IsUnique().HasDatabaseName("ux_upstream_roots_current");
        });

        foreach (var entityType in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entityType.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    /// <summary><c>X509SvidTtlSeconds</c> → <c>x509_svid_ttl_seconds</c>.</summary>
    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
