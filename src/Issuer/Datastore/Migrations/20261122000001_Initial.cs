using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace IdentityIssuer.Issuer.Datastore.Migrations;

/// <summary>
/// The first schema. Written by hand and provider-neutral: columns carry CLR types only, so SQLite
/// and PostgreSQL each pick their own store types. Names match <see cref="IssuerDbContext"/> exactly;
/// a test creates the schema both ways and compares them.
/// </summary>
[DbContext(typeof(IssuerDbContext))]
[Migration("20261122000001_Initial")]
internal sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "revision_counter",
            columns: table => new
            {
                id = table.Column<int>(nullable: false),
                value = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_revision_counter", x => x.id));
        migrationBuilder.Sql("INSERT INTO revision_counter (id, value) VALUES (1, 0)");

        migrationBuilder.CreateTable(
            name: "registration_entries",
            columns: table => new
            {
                id = table.Column<string>(nullable: false),
                spiffe_id = table.Column<string>(nullable: false),
                parent_id = table.Column<string>(nullable: false),
                x509_svid_ttl_seconds = table.Column<int>(nullable: false),
                jwt_svid_ttl_seconds = table.Column<int>(nullable: false),
                dns_names = table.Column<string>(nullable: false),
                hint = table.Column<string>(nullable: false),
                admin = table.Column<bool>(nullable: false),
                downstream = table.Column<bool>(nullable: false),
                expires_at = table.Column<long>(nullable: true),
                revision_number = table.Column<long>(nullable: false),
                created_at = table.Column<long>(nullable: false),
                selectors_hash = table.Column<string>(nullable: false),
                selector_count = table.Column<int>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_registration_entries", x => x.id));
        migrationBuilder.CreateIndex(
            name: "ux_registration_entries_identity",
            table: "registration_entries",
            columns: ["spiffe_id", "parent_id", "selectors_hash"],
            unique: true);
        migrationBuilder.CreateIndex(
            name: "ix_registration_entries_parent_id",
            table: "registration_entries",
            column: "parent_id");
        migrationBuilder.CreateIndex(
            name: "ix_registration_entries_revision_number",
            table: "registration_entries",
            column: "revision_number");

        migrationBuilder.CreateTable(
            name: "entry_selectors",
            columns: table => new
            {
                entry_id = table.Column<string>(nullable: false),
                type = table.Column<string>(nullable: false),
                value = table.Column<string>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_entry_selectors", x => new { x.entry_id, x.type, x.value });
                table.ForeignKey(
                    name: "fk_entry_selectors_entry_id",
                    column: x => x.entry_id,
                    principalTable: "registration_entries",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(
            name: "ix_entry_selectors_type_value",
            table: "entry_selectors",
            columns: ["type", "value"]);

        migrationBuilder.CreateTable(
            name: "entry_tombstones",
            columns: table => new
            {
                entry_id = table.Column<string>(nullable: false),
                revision_number = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_entry_tombstones", x => x.entry_id));
        migrationBuilder.CreateIndex(
            name: "ix_entry_tombstones_revision_number",
            table: "entry_tombstones",
            column: "revision_number");

        migrationBuilder.CreateTable(
            name: "join_tokens",
            columns: table => new
            {
                token_hash = table.Column<string>(nullable: false),
                expires_at = table.Column<long>(nullable: false),
                created_at = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_join_tokens", x => x.token_hash));
        migrationBuilder.CreateIndex(
            name: "ix_join_tokens_expires_at",
            table: "join_tokens",
            column: "expires_at");

        migrationBuilder.CreateTable(
            name: "attested_nodes",
            columns: table => new
            {
                spiffe_id = table.Column<string>(nullable: false),
                attestation_type = table.Column<string>(nullable: false),
                certificate_serial = table.Column<string>(nullable: false),
                certificate_not_after = table.Column<long>(nullable: false),
                selectors = table.Column<string>(nullable: false),
                can_reattest = table.Column<bool>(nullable: false),
                banned = table.Column<bool>(nullable: false),
                created_at = table.Column<long>(nullable: false),
                last_seen_at = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_attested_nodes", x => x.spiffe_id));
        migrationBuilder.CreateIndex(
            name: "ix_attested_nodes_certificate_not_after",
            table: "attested_nodes",
            column: "certificate_not_after");

        migrationBuilder.CreateTable(
            name: "ca_authorities",
            columns: table => new
            {
                id = table.Column<string>(nullable: false),
                kind = table.Column<int>(nullable: false),
                slot = table.Column<string>(nullable: false),
                status = table.Column<int>(nullable: false),
                key_id = table.Column<string>(nullable: false),
                public_data = table.Column<byte[]>(nullable: false),
                upstream_chain = table.Column<byte[]>(nullable: false),
                not_before = table.Column<long>(nullable: false),
                not_after = table.Column<long>(nullable: false),
                created_at = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_ca_authorities", x => x.id));
        migrationBuilder.CreateIndex(
            name: "ix_ca_authorities_kind_created_at",
            table: "ca_authorities",
            columns: ["kind", "created_at"]);

        migrationBuilder.CreateTable(
            name: "bundles",
            columns: table => new
            {
                trust_domain = table.Column<string>(nullable: false),
                sequence = table.Column<long>(nullable: false),
                refresh_hint_seconds = table.Column<int>(nullable: false),
                is_own = table.Column<bool>(nullable: false),
                updated_at = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_bundles", x => x.trust_domain));

        migrationBuilder.CreateTable(
            name: "bundle_x509_authorities",
            columns: table => new
            {
                trust_domain = table.Column<string>(nullable: false),
                der_sha256 = table.Column<string>(nullable: false),
                position = table.Column<int>(nullable: false),
                der = table.Column<byte[]>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_bundle_x509_authorities", x => new { x.trust_domain, x.der_sha256 });
                table.ForeignKey(
                    name: "fk_bundle_x509_authorities_trust_domain",
                    column: x => x.trust_domain,
                    principalTable: "bundles",
                    principalColumn: "trust_domain",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "bundle_jwt_keys",
            columns: table => new
            {
                trust_domain = table.Column<string>(nullable: false),
                key_id = table.Column<string>(nullable: false),
                position = table.Column<int>(nullable: false),
                public_key = table.Column<byte[]>(nullable: false),
                not_after = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_bundle_jwt_keys", x => new { x.trust_domain, x.key_id });
                table.ForeignKey(
                    name: "fk_bundle_jwt_keys_trust_domain",
                    column: x => x.trust_domain,
                    principalTable: "bundles",
                    principalColumn: "trust_domain",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "issuance_records",
            columns: table => new
            {
                serial = table.Column<string>(nullable: false),
                kind = table.Column<int>(nullable: false),
                spiffe_id = table.Column<string>(nullable: false),
                entry_id = table.Column<string>(nullable: true),
                caller = table.Column<string>(nullable: false),
                not_before = table.Column<long>(nullable: false),
                not_after = table.Column<long>(nullable: false),
                key_type = table.Column<string>(nullable: false),
                signing_authority = table.Column<string>(nullable: false),
                created_at = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_issuance_records", x => new { x.serial, x.kind }));
        migrationBuilder.CreateIndex(name: "ix_issuance_records_spiffe_id", table: "issuance_records", column: "spiffe_id");
        migrationBuilder.CreateIndex(name: "ix_issuance_records_entry_id", table: "issuance_records", column: "entry_id");
        migrationBuilder.CreateIndex(name: "ix_issuance_records_caller", table: "issuance_records", column: "caller");
        migrationBuilder.CreateIndex(name: "ix_issuance_records_not_after", table: "issuance_records", column: "not_after");
        migrationBuilder.CreateIndex(name: "ix_issuance_records_created_at", table: "issuance_records", column: "created_at");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "issuance_records");
        migrationBuilder.DropTable(name: "bundle_jwt_keys");
        migrationBuilder.DropTable(name: "bundle_x509_authorities");
        migrationBuilder.DropTable(name: "bundles");
        migrationBuilder.DropTable(name: "ca_authorities");
        migrationBuilder.DropTable(name: "attested_nodes");
        migrationBuilder.DropTable(name: "join_tokens");
        migrationBuilder.DropTable(name: "entry_tombstones");
        migrationBuilder.DropTable(name: "entry_selectors");
        migrationBuilder.DropTable(name: "registration_entries");
        migrationBuilder.DropTable(name: "revision_counter");
    }
}
