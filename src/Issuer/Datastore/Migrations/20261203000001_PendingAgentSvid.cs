using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace IdentityIssuer.Issuer.Datastore.Migrations;

/// <summary>
/// Retryable agent renewal: an attested node keeps the SVID its last renewal issued beside the current
/// one until the agent first uses it (as SPIRE's attested node keeps a new serial beside the current
/// one). Existing nodes have none pending.
/// </summary>
[DbContext(typeof(IssuerDbContext))]
[Migration("20261203000001_PendingAgentSvid")]
internal sealed class PendingAgentSvid : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "new_certificate_serial", table: "attested_nodes", nullable: true);
        migrationBuilder.AddColumn<long>(name: "new_certificate_not_after", table: "attested_nodes", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "new_certificate_not_after", table: "attested_nodes");
        migrationBuilder.DropColumn(name: "new_certificate_serial", table: "attested_nodes");
    }
}
