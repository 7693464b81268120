using System.Globalization;
using System.Text;
using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd;

/// <summary>
/// An issuer logging at Debug level everywhere, so "the token is never logged" holds even when an
/// operator turns logging all the way up.
/// </summary>
public sealed class VerboseIssuerProcess : IssuerProcess
{
    public VerboseIssuerProcess()
        : base(new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Debug", ["Logging:LogLevel:Microsoft"] = "Debug" })
    {
    }
}

/// <summary>Join tokens: shown once to the operator, never written to the log or the data directory.</summary>
public sealed class JoinTokenTests : IssuerTest, IClassFixture<VerboseIssuerProcess>
{
    private const string AgentPrefix = "spiffe://example.org/identity-issuer/agent/join_token/";

    public JoinTokenTests(VerboseIssuerProcess issuer, ITestOutputHelper output)
        : base(issuer, output)
    {
    }

    [Fact]
    public async Task TokenGenerate_WithTtl5m_PrintsTheTokenAndAnAgentIdThatDoesNotContainIt()
    {
        var before = DateTimeOffset.UtcNow;

        var result = (await CliAsync("token", "generate", "--ttl", "5m")).ShouldSucceed();
        var after = DateTimeOffset.UtcNow;

        var token = Field(result, "Token");
        var agentId = Field(result, "Agent ID");
        var expiresAt = DateTimeOffset.Parse(Field(result, "Expires at"), CultureInfo.InvariantCulture);
        Assert.True(token.Length >= 16, $"token '{token}' is too short to be a secret");
        Assert.StartsWith(AgentPrefix, agentId, StringComparison.Ordinal);
        Assert.True(agentId.Length > AgentPrefix.Length, agentId);
        Assert.DoesNotContain(token, agentId, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(expiresAt, before.AddMinutes(5).AddSeconds(-1), after.AddMinutes(5).AddSeconds(1));
    }

    [Fact]
    public async Task TokenGenerate_TwoTokens_AreDifferentWithDifferentAgentIds()
    {
        var first = (await CliAsync("token", "generate")).ShouldSucceed();
        var second = (await CliAsync("token", "generate")).ShouldSucceed();

        Assert.NotEqual(Field(first, "Token"), Field(second, "Token"));
        Assert.NotEqual(Field(first, "Agent ID"), Field(second, "Agent ID"));
    }

    [Fact]
    public async Task TokenGenerate_Token_AppearsNeitherInTheIssuerLogNorInAnyFileUnderTheDataDirectory()
    {
        var token = Field((await CliAsync("token", "generate", "--ttl", "5m")).ShouldSucceed(), "Token");

        // The console logger writes in the background: once a later request's line is in the log,
        // everything the token request logged is there too.
        var marker = await CreateEntryAsync("spiffe://example.org/demo/after-token");
        await Issuer.WaitForLogAsync(marker);

        Assert.Contains(" dbug: ", Issuer.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(token, Issuer.Log, StringComparison.OrdinalIgnoreCase);
        var secrets = new List<byte[]> { Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(token.ToUpperInvariant()) };
        if (token.Length % 2 == 0 && token.All(Uri.IsHexDigit))
        {
            secrets.Add(Convert.FromHexString(token));
        }

        var files = Directory.EnumerateFiles(Issuer.DataDirectory, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith(".db", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var secret in secrets)
            {
                Assert.True(bytes.AsSpan().IndexOf(secret) < 0, $"{Path.GetRelativePath(Issuer.DataDirectory, file)} holds the join token");
            }
        }
    }

    /// <summary>A "Name : value" line of the text output.</summary>
    private static string Field(ProcessResult result, string name)
    {
        var line = result.StdOut.Split('\n').SingleOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no '{name}' line\n{result}");
        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
