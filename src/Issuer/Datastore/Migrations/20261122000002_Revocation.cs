using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace IdentityIssuer.Issuer.Datastore.Migrations;

/// <summary>
/// Revocation and replicas: the CA journal names the replica that owns each authority (its key lives in
/// that replica's key manager), revoked X509-SVIDs are recorded with the revocation revision that
/// revoked them, and each authority's latest signed CRL is stored for every replica to hand out.
/// Rows journaled before this migration belong to the replica named <c>primary</c>, the default.
/// </summary>
[DbContext(typeof(IssuerDbContext))]
[Migration("20261122000002_Revocation")]
internal sealed class Revocation : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(
            name: "replica",
            table: "ca_authorities",
            nullable: false,
            defaultValue: "primary");
        migrationBuilder.CreateIndex(
            name: "ix_ca_authorities_replica",
            table: "ca_authorities",
            column: "replica");

        // The second counter row: the revocation revision, raised once per revocation.
        migrationBuilder.Sql("INSERT INTO revision_counter (id, value) VALUES (2, 0)");

        migrationBuilder.CreateTable(
            name: "revoked_svids",
            columns: table => new
            {
                authority_id = table.Column<string>(nullable: false),
                serial = table.Column<string>(nullable: false),
                spiffe_id = table.Column<string>(nullable: false),
                entry_id = table.Column<string>(nullable: true),
                caller = table.Column<string>(nullable: false),
                not_after = table.Column<long>(nullable: false),
                revoked_at = table.Column<long>(nullable: false),
                revision = table.Column<long>(nullable: false),
                reason = table.Column<string>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_revoked_svids", x => new { x.authority_id, x.serial }));
        migrationBuilder.CreateIndex(name: "ix_revoked_svids_not_after", table: "revoked_svids", column: "not_after");
        migrationBuilder.CreateIndex(name: "ix_revoked_svids_revision", table: "revoked_svids", column: "revision");

        migrationBuilder.CreateTable(
            name: "crls",
            columns: table => new
            {
                authority_id = table.Column<string>(nullable: false),
                crl_number = table.Column<long>(nullable: false),
                der = table.Column<byte[]>(nullable: false),
                this_update = table.Column<long>(nullable: false),
                next_update = table.Column<long>(nullable: false),
                revocation_revision = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_crls", x => x.authority_id));
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "crls");
        migrationBuilder.DropTable(name: "revoked_svids");
        migrationBuilder.Sql("DELETE FROM revision_counter WHERE id = 2");
        migrationBuilder.DropIndex(name: "ix_ca_authorities_replica", table: "ca_authorities");
        migrationBuilder.DropColumn(name: "replica", table: "ca_authorities");
    }
}
