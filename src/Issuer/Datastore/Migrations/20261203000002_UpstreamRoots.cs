using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace IdentityIssuer.Issuer.Datastore.Migrations;

/// <summary>
/// Upstream roots created by <c>identity-issuer upstream init</c>, kept in the datastore so every
/// replica finds the same root. <c>current</c> is 1 on the root that signs new intermediates and null
/// on replaced ones; the unique index allows one current root (NULLs never collide, on both providers).
/// </summary>
[DbContext(typeof(IssuerDbContext))]
[Migration("20261203000002_UpstreamRoots")]
internal sealed class UpstreamRoots : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "upstream_roots",
            columns: table => new
            {
                id = table.Column<string>(nullable: false),
                key_manager = table.Column<string>(nullable: false),
                key_id = table.Column<string>(nullable: false),
                certificate = table.Column<byte[]>(nullable: false),
                not_before = table.Column<long>(nullable: false),
                not_after = table.Column<long>(nullable: false),
                created_at = table.Column<long>(nullable: false),
                current = table.Column<int>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_upstream_roots", x => x.id));
        migrationBuilder.CreateIndex(
            name: "ux_upstream_roots_current",
            table: "upstream_roots",
            column: "current",
            unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "upstream_roots");
}
