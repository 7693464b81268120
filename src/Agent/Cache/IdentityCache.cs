using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Agent.Issuer;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Cache;

/// <summary>
/// Holds the agent's current snapshot and its JWT-SVIDs. The sync service publishes new snapshots;
/// the Workload API reads them and waits for the next one.
/// </summary>
internal sealed class IdentityCache : IIdentityCache
{
    private readonly object _gate = new();
    private readonly JwtSvidCache _jwts;
    private IdentitySnapshot? _current;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IdentityCache(IJwtSvidIssuer issuer, TimeProvider time, IOptions<AgentOptions> options)
    {
        _jwts = new JwtSvidCache(issuer, time, options, Served);
    }

    /// <summary>Which workload each entry's SVIDs were last handed to (reported with the next sign request).</summary>
    public ServedWorkloads Served { get; } = new();

    public IdentitySnapshot Current => _current ?? throw new IdentityCacheNotReadyException("the agent has not completed its first sync with the issuer yet");

    /// <summary>True once a snapshot has been published.</summary>
    public bool IsReady => _current is not null;

    /// <summary>Publishes a new snapshot (its version is assigned here) and wakes every waiter.</summary>
    public IdentitySnapshot Publish(Func<long, IdentitySnapshot> build)
    {
        TaskCompletionSource wake;
        IdentitySnapshot snapshot;
        lock (_gate)
        {
            snapshot = build((_current?.Version ?? 0) + 1);
            _current = snapshot;
            wake = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
        return snapshot;
    }

    public Task WaitForChangeAsync(long version, CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            if (_current is not null && _current.Version > version)
            {
                return Task.CompletedTask;
            }

            wait = _changed.Task;
        }

        return wait.WaitAsync(cancellationToken);
    }

    public void NoteServed(IReadOnlyList<WorkloadX509Svid> svids, IReadOnlySet<Attestation.Selectors.Selector> callerSelectors) =>
        Served.Served(svids, callerSelectors);

    public Task<CachedJwtSvid> FetchJwtSvidAsync(WorkloadX509Svid identity, IReadOnlyList<string> audience, CancellationToken cancellationToken) =>
        _jwts.FetchAsync(identity, audience, cancellationToken);

    /// <summary>
    /// Forgets cached JWT-SVIDs for which <paramref name="drop"/> (entry id, kid of the signing key or
    /// null when the token names none) is true: those of entries that are gone, or signed by a tainted key.
    /// </summary>
    public void ForgetJwts(Func<string, string?, bool> drop) => _jwts.Forget(drop);

    /// <summary>The <c>kid</c> of a compact JWS header, or null when it has none or cannot be read.</summary>
    internal static string? JwtKeyId(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        try
        {
            using var header = System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan(0, dot)));
            return header.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && header.RootElement.TryGetProperty("kid", out var kid) && kid.ValueKind == System.Text.Json.JsonValueKind.String
                ? kid.GetString()
                : null;
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
