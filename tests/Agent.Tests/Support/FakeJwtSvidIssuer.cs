using System.Collections.Concurrent;
using IdentityIssuer.Agent.Issuer;
using IdentityIssuer.Attestation.AgentApi;

namespace IdentityIssuer.Agent.Tests.Support;

/// <summary>
/// Mints stand-in JWT-SVIDs (<c>token-N</c>) that live <see cref="Lifetime"/>, records every request,
/// and while <see cref="Hold"/> is set keeps each mint waiting until it is released.
/// </summary>
internal sealed class FakeJwtSvidIssuer : IJwtSvidIssuer
{
    private readonly TimeProvider _time;
    private int _calls;

    public FakeJwtSvidIssuer(TimeProvider time)
    {
        _time = time;
    }

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>When set, every mint waits for it to complete.</summary>
    public TaskCompletionSource? Hold { get; set; }

    public ConcurrentQueue<MintJwtRequest> Requests { get; } = new();

    public int Calls => Volatile.Read(ref _calls);

    public async Task<MintJwtResponse> MintJwtAsync(MintJwtRequest request, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _calls);
        Requests.Enqueue(request);
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        return new MintJwtResponse("spiffe://example.org/web", $"token-{n}", _time.GetUtcNow() + Lifetime);
    }
}
