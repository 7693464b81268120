using System.Text.Json;
using IdentityIssuer.Gateway.Audit;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityIssuer.Gateway.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _directory = FreePort.ShortTempDirectory();

    private static AuditRecord Record(int i) => new()
    {
        Time = DateTimeOffset.UnixEpoch,
        RequestId = "r" + i,
        SpiffeId = "spiffe://example.org/agents/a",
        Serial = "0a1b",
        Method = "GET",
        Path = "/search",
        Tool = "search",
        Action = "query",
        Target = "docs",
        Risk = "read",
        Decision = "allow",
        Rule = "r1",
        UpstreamStatus = 200,
        Status = 200,
        LatencyMs = 1.5,
    };

    [Fact]
    public void Write_OneJsonLinePerDecision_WithEveryField_AndOwnerOnlyMode()
    {
        var path = Path.Combine(_directory, "audit.log");
        using (var log = new AuditLog(new AuditOptions { FilePath = path, Stdout = false }, NullLogger<AuditLog>.Instance))
        {
            log.Write(Record(1));
            log.Write(Record(2) with { Decision = "deny", Rule = null, Reason = "no rule allows", UpstreamStatus = null, Status = 403 });
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        string[] fields = ["time", "requestId", "spiffeId", "serial", "method", "path", "tool", "action", "target", "risk", "decision", "rule", "reason", "approvalId", "upstreamStatus", "status", "latencyMs"];
        Assert.Equal(fields, first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("allow", first.GetProperty("decision").GetString());
        Assert.Equal(200, first.GetProperty("upstreamStatus").GetInt32());
        var second = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(JsonValueKind.Null, second.GetProperty("upstreamStatus").ValueKind);
        Assert.Equal("no rule allows", second.GetProperty("reason").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Write_PastMaxFileBytes_RotatesAndKeepsMaxFiles()
    {
        var path = Path.Combine(_directory, "audit.log");
        using (var log = new AuditLog(new AuditOptions { FilePath = path, Stdout = false, MaxFileBytes = 4096, MaxFiles = 2 }, NullLogger<AuditLog>.Instance))
        {
            for (var i = 0; i < 200; i++)
            {
                log.Write(Record(i));
            }
        }

        Assert.True(File.Exists(path + ".1"));
        Assert.True(File.Exists(path + ".2"));
        Assert.False(File.Exists(path + ".3"));
        Assert.All(new[] { path, path + ".1", path + ".2" }, f => Assert.True(new FileInfo(f).Length <= 4096));
        var last = JsonDocument.Parse(File.ReadAllLines(path)[^1]).RootElement;
        Assert.Equal("r199", last.GetProperty("requestId").GetString());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
