using IdentityIssuer.EndToEnd.Support;
using Xunit.Abstractions;

namespace IdentityIssuer.EndToEnd.Agent;

/// <summary>
/// An issuer whose CA is an intermediate under an upstream CA: the bundle holds only the upstream root,
/// so the issuer must itself know every intermediate of its journal to accept an agent's SVID. A
/// join-token agent (which cannot attest again) keeps working through a forced rotation and a taint.
/// </summary>
public sealed class UpstreamCaRotationTests : AgentTest
{
    private readonly UpstreamCa _upstream;

    public UpstreamCaRotationTests(ITestOutputHelper output)
        : this(new UpstreamCa(), output)
    {
    }

    private UpstreamCaRotationTests(UpstreamCa upstream, ITestOutputHelper output)
        : base(IssuerProcess.Create(upstream.Settings), output, ownsIssuer: true)
    {
        _upstream = upstream;
    }

    [Fact]
    public async Task PrepareActivateAndTaint_JoinTokenAgentKeepsSyncing_AndServesAnEntryCreatedAfterTheRotation()
    {
        var (agent, agentId) = await StartAgentAsync();
        var before = WorkloadIdPrefix + "upstream-before-rotation";
        await CreateWorkloadEntryAsync(before, agentId, OwnUidSelector);
        var first = Assert.Single(await WaitForSvidsAsync(agent, [before]));
        var oldCa = Assert.Single(await ActiveX509AuthoritiesAsync()).Value;
        Assert.Equal(oldCa, first.SignedBy);

        var mark = agent.LogMark;
        var newCa = await RotateX509Async();
        // The agent's own SVID is still signed by the old intermediate; it syncs with it and renews it once tainted.
        Record(await Issuer.CliAsync("authority", "x509", "taint", "--id", oldCa)).ShouldSucceed();
        var after = WorkloadIdPrefix + "upstream-after-rotation";
        await CreateWorkloadEntryAsync(after, agentId, OwnUidSelector);

        var svids = await WaitForSvidsAsync(agent, [before, after], s => s.All(svid => svid.SignedBy == newCa), "both signed by the new CA " + newCa);
        await agent.WaitForLogAsync("Renewed agent SVID", mark, PropagationTimeout);
        var log = agent.LogSince(mark);
        Assert.DoesNotContain("Attesting again", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Attested with", log, StringComparison.Ordinal);
        var files = await WriteSvidFilesAsync(svids.Single(s => s.SpiffeId == after), Path.Combine(agent.Directory, "after-rotation"));
        await AssertSvidFilesAsync(Path.Combine(files, "svid.pem"), Path.Combine(files, "svid.key"), after, _upstream.CertificateFile, agent.BundleFile);
        (await agent.HealthcheckAsync()).ShouldSucceed();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            _upstream.Dispose();
        }
    }
}
