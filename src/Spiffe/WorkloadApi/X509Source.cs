using IdentityIssuer.Spiffe.X509;

namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>
/// Keeps the latest X509 context of the Workload API: watches FetchX509SVID, replaces the context on
/// every update and raises <see cref="Updated"/>. When the stream fails it reconnects with exponential
/// backoff (reset after each update); it stops for good on InvalidArgument, which no retry can fix.
/// </summary>
public sealed class X509Source : IAsyncDisposable, IX509BundleSource
{
    private readonly WorkloadApiClient _client;
    private readonly bool _ownsClient;
    private readonly X509SourceOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstUpdate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _watch = Task.CompletedTask;
    private volatile X509Context? _context;
    private volatile WorkloadApiException? _fatal;

    private X509Source(WorkloadApiClient client, bool ownsClient, X509SourceOptions options)
    {
        _client = client;
        _ownsClient = ownsClient;
        _options = options;
    }

    /// <summary>Raised after each new context, on the watch loop's thread. A handler's exception is swallowed.</summary>
    public event EventHandler<X509ContextEventArgs>? Updated;

    /// <summary>The latest context.</summary>
    /// <exception cref="InvalidOperationException">The source has stopped.</exception>
    public X509Context Context
    {
        get
        {
            if (_fatal is { } fatal)
            {
                throw new InvalidOperationException("the X509 source stopped: " + fatal.StatusMessage, fatal);
            }

            return _context ?? throw new InvalidOperationException("the X509 source has no context yet");
        }
    }

    /// <summary>The default SVID (the first of the latest context), its certificate carrying the private key.</summary>
    public X509SvidWithKey Svid => Context.DefaultSvid;

    /// <summary>The bundles of the latest context.</summary>
    public X509BundleSet Bundles => Context.Bundles;

    /// <summary>
    /// Starts watching and returns once the first context has arrived. Uses <paramref name="client"/>
    /// (not disposed by the source) or, when null, a client for <c>SPIFFE_ENDPOINT_SOCKET</c>.
    /// </summary>
    /// <exception cref="WorkloadApiException">The Workload API answered InvalidArgument.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired before the first context.</exception>
    public static async Task<X509Source> CreateAsync(WorkloadApiClient? client = null, X509SourceOptions? options = null, CancellationToken cancellationToken = default)
    {
        var source = new X509Source(client ?? new WorkloadApiClient(), client is null, options ?? new X509SourceOptions());
        source._watch = Task.Run(source.WatchAsync, CancellationToken.None);
        try
        {
            await source._firstUpdate.Task.WaitAsync(cancellationToken);
        }
        catch
        {
            await source.DisposeAsync();
            throw;
        }

        return source;
    }

    public X509Bundle? GetX509Bundle(TrustDomain td) => Context.Bundles.GetX509Bundle(td);

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _watch;
        _stop.Dispose();
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private async Task WatchAsync()
    {
        var token = _stop.Token;
        var backoff = _options.InitialBackoff;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await foreach (var context in _client.WatchX509ContextAsync(token))
                {
                    _context = context;
                    backoff = _options.InitialBackoff;
                    _firstUpdate.TrySetResult();
                    RaiseUpdated(context);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (WorkloadApiException e) when (e.StatusCode is GrpcStatusCode.InvalidArgument)
            {
                _fatal = e;
                _firstUpdate.TrySetException(e);
                return;
            }
            catch (WorkloadApiException)
            {
                // Unavailable, PermissionDenied, a broken response: try again after the backoff.
            }

            try
            {
                await Task.Delay(backoff, _options.TimeProvider, token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }

        _firstUpdate.TrySetCanceled(token);
    }

    private void RaiseUpdated(X509Context context)
    {
        try
        {
            Updated?.Invoke(this, new X509ContextEventArgs(context));
        }
#pragma warning disable CA1031 // A subscriber's bug must not stop the watch loop.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
