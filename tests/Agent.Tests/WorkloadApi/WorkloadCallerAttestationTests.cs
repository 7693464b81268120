using System.Diagnostics;
using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Agent.WorkloadApi;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Attestation.Workload;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

/// <summary>The Workload API's per-call attestation: cached per process for a while, bounded, and never for a process that is gone.</summary>
public sealed class WorkloadCallerAttestationTests
{
    private static readonly WorkloadProcessProbe Probe = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CountingAttestation _inner = new();

    [Fact]
    public async Task Attest_AgainWithinTheCacheTtl_ReusesTheSelectors_AndAttestsAgainAfterIt()
    {
        using var attestation = Create(new WorkloadApiOptions { AttestationCacheTtl = TimeSpan.FromSeconds(5) });
        var me = await Probe.CaptureAsync(Environment.ProcessId, 0, 0, CancellationToken.None);

        await attestation.AttestAsync(me, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(4));
        var cached = await attestation.AttestAsync(me, CancellationToken.None);
        var callsWithinTtl = _inner.Calls;
        _clock.Advance(TimeSpan.FromSeconds(2));
        await attestation.AttestAsync(me, CancellationToken.None);

        Assert.Equal(["unix:uid:0"], cached.Select(s => s.ToString()));
        Assert.Equal(1, callsWithinTtl);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Attest_WithTtlZero_AttestsEveryCall()
    {
        using var attestation = Create(new WorkloadApiOptions { AttestationCacheTtl = TimeSpan.Zero });
        var me = await Probe.CaptureAsync(Environment.ProcessId, 0, 0, CancellationToken.None);

        await attestation.AttestAsync(me, CancellationToken.None);
        await attestation.AttestAsync(me, CancellationToken.None);

        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Attest_CachedProcessThatHasSinceExited_FailsAsCallerChanged()
    {
        using var attestation = Create(new WorkloadApiOptions());
        WorkloadProcess caller;
        using (var sleep = Process.Start("/usr/bin/sleep", "60"))
        {
            caller = await Probe.CaptureAsync(sleep.Id, 0, 0, CancellationToken.None);
            await attestation.AttestAsync(caller, CancellationToken.None);
            sleep.Kill();
            await sleep.WaitForExitAsync();
        }

        var e = await Assert.ThrowsAsync<WorkloadAttestationException>(() => attestation.AttestAsync(caller, CancellationToken.None));

        Assert.True(e.CallerChanged);
        Assert.Equal(1, _inner.Calls);
    }

    [Fact]
    public async Task Attest_AfterAFailure_AttestsAgainInsteadOfRepeatingIt()
    {
        using var attestation = Create(new WorkloadApiOptions());
        var me = await Probe.CaptureAsync(Environment.ProcessId, 0, 0, CancellationToken.None);
        _inner.FailNext = true;

        await Assert.ThrowsAsync<WorkloadAttestationException>(() => attestation.AttestAsync(me, CancellationToken.None));
        var selectors = await attestation.AttestAsync(me, CancellationToken.None);

        Assert.Equal(["unix:uid:0"], selectors.Select(s => s.ToString()));
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task Attest_ManyCallersAtOnce_RunsNoMoreAttestationsAtOnceThanTheBound()
    {
        using var attestation = Create(new WorkloadApiOptions { MaxConcurrentAttestations = 2 });
        var me = await Probe.CaptureAsync(Environment.ProcessId, 0, 0, CancellationToken.None);
        _inner.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Different uids make different callers, so none of them shares another's attestation.
        var calls = Enumerable.Range(0, 6).Select(i => attestation.AttestAsync(me with { UserId = 1000 + i }, CancellationToken.None)).ToArray();
        await _inner.WaitForRunningAsync(2);
        _inner.Gate.SetResult();
        await Task.WhenAll(calls);

        Assert.Equal(6, _inner.Calls);
        Assert.Equal(2, _inner.MostRunningAtOnce);
    }

    [Fact]
    public async Task Attest_ConcurrentCallsOfOneProcess_ShareOneAttestation()
    {
        using var attestation = Create(new WorkloadApiOptions());
        var me = await Probe.CaptureAsync(Environment.ProcessId, 0, 0, CancellationToken.None);
        _inner.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, 5).Select(_ => attestation.AttestAsync(me, CancellationToken.None)).ToArray();
        await _inner.WaitForRunningAsync(1);
        _inner.Gate.SetResult();
        await Task.WhenAll(calls);

        Assert.Equal(1, _inner.Calls);
    }

    private WorkloadCallerAttestation Create(WorkloadApiOptions options) =>
        new(_inner, Options.Create(options), _clock, new StubLifetime());

    /// <summary><c>unix:uid:N</c> for each caller; counts calls and how many ran at once; optionally waits on a gate or fails once.</summary>
    private sealed class CountingAttestation : IWorkloadAttestation
    {
        private int _calls;
        private int _running;
        private int _most;

        public int Calls => Volatile.Read(ref _calls);

        public int MostRunningAtOnce => Volatile.Read(ref _most);

        public TaskCompletionSource? Gate { get; set; }

        public bool FailNext { get; set; }

        public async Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            var running = Interlocked.Increment(ref _running);
            InterlockedMax(ref _most, running);
            try
            {
                if (Gate is { } gate)
                {
                    await gate.Task.WaitAsync(cancellationToken);
                }

                if (FailNext)
                {
                    FailNext = false;
                    throw new WorkloadAttestationException("the kubelet did not answer");
                }

                return [Selector.Create("unix", $"uid:{process.UserId}")];
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        public async Task WaitForRunningAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (Volatile.Read(ref _running) < count)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    private sealed class StubLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
