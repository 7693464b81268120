using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace IdentityIssuer.Issuer.Datastore.Migrations;

/// <summary>
/// A queryable issuance record (ADR 0011): each record keeps why it was signed (the entry's revision,
/// the asking agent's node attestor and node selectors, the workload selectors the agent reported), and
/// every filter of <c>svid list</c> gets an index that holds its equality column followed by the keyset
/// order, so a page is one index range with no sort even at millions of records. Records stored before
/// this migration have none of the new facts (shown as "not recorded").
/// </summary>
[DbContext(typeof(IssuerDbContext))]
[Migration("20261203000002_IssuanceRecordQueries")]
internal sealed class IssuanceRecordQueries : Migration
{
    private static readonly (string Name, string[] Columns, string[] Before)[] IssuanceIndexes =
    [
        ("ix_issuance_records_spiffe_id", ["spiffe_id", "created_at", "serial", "kind"], ["spiffe_id"]),
        ("ix_issuance_records_entry_id", ["entry_id", "created_at", "serial", "kind"], ["entry_id"]),
        ("ix_issuance_records_caller", ["caller", "created_at", "serial", "kind"], ["caller"]),
        ("ix_issuance_records_not_after", ["not_after", "serial", "kind"], ["not_after"]),
        ("ix_issuance_records_created_at", ["created_at", "serial", "kind"], ["created_at"]),
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<long>(name: "entry_revision", table: "issuance_records", nullable: true);
        migrationBuilder.AddColumn<string>(name: "node_attestor", table: "issuance_records", nullable: true);
        migrationBuilder.AddColumn<string>(name: "node_selectors", table: "issuance_records", nullable: true);
        migrationBuilder.AddColumn<string>(name: "workload_selectors", table: "issuance_records", nullable: true);

        foreach (var (name, columns, _) in IssuanceIndexes)
        {
            migrationBuilder.DropIndex(name: name, table: "issuance_records");
            migrationBuilder.CreateIndex(name: name, table: "issuance_records", columns: columns);
        }

        migrationBuilder.CreateIndex(
            name: "ix_issuance_records_signing_authority",
            table: "issuance_records",
            columns: ["signing_authority", "created_at", "serial", "kind"]);

        migrationBuilder.DropIndex(name: "ix_revoked_svids_revision", table: "revoked_svids");
        migrationBuilder.CreateIndex(name: "ix_revoked_svids_revision", table: "revoked_svids", columns: ["revision", "authority_id", "serial"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(name: "ix_revoked_svids_revision", table: "revoked_svids");
        migrationBuilder.CreateIndex(name: "ix_revoked_svids_revision", table: "revoked_svids", column: "revision");
        migrationBuilder.DropIndex(name: "ix_issuance_records_signing_authority", table: "issuance_records");
        foreach (var (name, _, before) in IssuanceIndexes)
        {
            migrationBuilder.DropIndex(name: name, table: "issuance_records");
            migrationBuilder.CreateIndex(name: name, table: "issuance_records", columns: before);
        }

        migrationBuilder.DropColumn(name: "workload_selectors", table: "issuance_records");
        migrationBuilder.DropColumn(name: "node_selectors", table: "issuance_records");
        migrationBuilder.DropColumn(name: "node_attestor", table: "issuance_records");
        migrationBuilder.DropColumn(name: "entry_revision", table: "issuance_records");
    }
}
