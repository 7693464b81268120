using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Mapping;
using IdentityIssuer.Spiffe;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Forwarder;

namespace IdentityIssuer.Gateway.Forwarding;

/// <summary>
/// Forwards an allowed request with YARP's <see cref="IHttpForwarder"/> to the first healthy upstream
/// address, with the header rules of <see cref="GatewayHttpTransformer"/> and the raw request target
/// that <see cref="RequestTarget"/> checked. With an https upstream the upstream must present an SVID
/// of a known trust domain (and <c>Upstream:SpiffeId</c> when set); with <c>Upstream:PresentSvid</c>
/// the gateway presents its own current SVID. <c>Upstream:Timeout</c> bounds a whole answer (an event
/// stream only until its headers), <c>Upstream:IdleTimeout</c> every pause.
/// </summary>
internal sealed class UpstreamForwarder : IDisposable
{
    /// <summary>The header that tells the upstream who called.</summary>
    public const string CallerHeader = "X-Workload-Spiffe-Id";

    /// <summary>For callers without a container (tests): YARP's forwarder from its own small service provider.</summary>
    private static readonly Lazy<IHttpForwarder> Standalone = new(() =>
        new ServiceCollection().AddLogging().AddHttpForwarder().BuildServiceProvider().GetRequiredService<IHttpForwarder>());

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly ForwarderRequestConfig _config;
    private readonly UpstreamOptions _options;
    private readonly TimeProvider _time;

    /// <param name="freshness">How stale a CRL may be when the upstream's SVID is checked (<c>Gateway:CrlGrace</c>, <c>Gateway:CrlClockSkew</c>); the defaults when null.</param>
    public UpstreamForwarder(UpstreamOptions options, IWorkloadIdentitySource identities, TimeProvider time, IHttpForwarder? forwarder = null, CrlFreshnessOptions? freshness = null)
    {
        _options = options;
        _time = time;
        _forwarder = forwarder ?? Standalone.Value;
        _invoker = new HttpMessageInvoker(CreateHandler(options, identities, time, freshness ?? new CrlFreshnessOptions()));
        _config = new ForwarderRequestConfig
        {
            ActivityTimeout = options.IdleTimeout,
            Version = options.HttpVersion == "2" ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = options.HttpVersionPolicy,
        };
        Destinations = new UpstreamDestinations(options.EffectiveAddresses());
    }

    /// <summary>The upstream addresses and what the last health probe found.</summary>
    public UpstreamDestinations Destinations { get; }

    /// <summary>
    /// Null, or why the request is refused: a header that CGI-style servers (WSGI, PHP, Rack, nginx)
    /// read as <see cref="CallerHeader"/> because they map <c>_</c> to <c>-</c>.
    /// </summary>
    public static string? RefusedHeader(IHeaderDictionary headers)
    {
        foreach (var name in headers.Keys)
        {
            if (name.Contains('_', StringComparison.Ordinal) && GatewayHttpTransformer.Normalized(name).Equals(CallerHeader, StringComparison.OrdinalIgnoreCase))
            {
                return $"header '{name}' is refused: servers that read '_' as '-' take it for {CallerHeader}";
            }
        }

        return null;
    }

    /// <summary>
    /// Sends the request upstream and streams the answer back. <paramref name="body"/>, when given, is
    /// sent instead of the request body (it was read whole to authorize the call). With
    /// <paramref name="rewrite"/> the answer is read whole, rewritten and sent with its new length.
    /// Returns the upstream status.
    /// </summary>
    /// <exception cref="HttpRequestException">The upstream could not be reached or failed mid-answer.</exception>
    /// <exception cref="TimeoutException"><c>Upstream:Timeout</c> or <c>Upstream:IdleTimeout</c> passed.</exception>
    /// <exception cref="OperationCanceledException">The caller went away.</exception>
    public async Task<int> ForwardAsync(HttpContext context, string callerId, Stream? body, Func<string, string, string>? rewrite, CancellationToken cancellationToken)
    {
        if (!RequestTarget.TryRead(context, out var pathAndQuery, out var error))
        {
            throw new InvalidOperationException("the request target must be checked before it is forwarded: " + error);
        }

        var destination = Destinations.Pick() ?? throw new HttpRequestException("no upstream address is healthy (Upstream:HealthCheck)");

        // The raw target, not a Uri built from the decoded path: System.Uri would decode and drop dot
        // segments again, and the upstream would get another path than the one authorized.
        var target = new Uri(destination.Prefix + pathAndQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

        // YARP links the token with RequestAborted itself.
        using var answerTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        answerTimeout.CancelAfter(_options.Timeout);

        // YARP aborts the caller's connection itself after a failure mid-answer; the caller left first
        // only when no failure had been recorded yet.
        var callerLeft = false;
        void Left() => callerLeft |= context.Features.Get<IForwarderErrorFeature>() is null;
        using var aborted = context.RequestAborted.Register(Left);
        using var cancelled = cancellationToken.Register(Left);
        var timedOut = false;
        using var timer = answerTimeout.Token.Register(() => timedOut = !cancellationToken.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested);
        var transformer = new GatewayHttpTransformer(target, callerId, rewrite, _options.ForwardAuthorization, answerTimeout);
        var received = context.Request.Body;
        ForwarderError result;
        try
        {
            // What was read (and digested for an approval) is exactly what YARP streams on.
            context.Request.Body = body ?? received;
            result = await _forwarder.SendAsync(context, destination.Prefix, _invoker, _config, transformer, answerTimeout.Token);
        }
        finally
        {
            context.Request.Body = received;
        }

        if (result == ForwarderError.None)
        {
            return context.Response.StatusCode;
        }

        var failure = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (callerLeft)
        {
            throw new OperationCanceledException("the caller went away", failure, context.RequestAborted.IsCancellationRequested ? context.RequestAborted : cancellationToken);
        }

        if (timedOut)
        {
            throw new TimeoutException($"no whole answer from {destination.Prefix} within {_options.Timeout} (Upstream:Timeout)", failure);
        }

        if (result == ForwarderError.RequestTimedOut)
        {
            throw new TimeoutException($"no answer from {destination.Prefix} within {_options.IdleTimeout} (Upstream:IdleTimeout)", failure);
        }

        // Neither the caller nor Upstream:Timeout cancelled it: YARP's activity timeout did.
        if (IsCancellation(failure))
        {
            throw new TimeoutException($"{destination.Prefix} sent nothing for {_options.IdleTimeout} (Upstream:IdleTimeout)", failure);
        }

        throw new HttpRequestException($"{destination.Prefix}: {result}: {failure?.Message}", failure);
    }

    /// <summary>Probes every address once (<c>Upstream:HealthCheck</c>) and returns those whose health changed.</summary>
    public Task<IReadOnlyList<UpstreamDestination>> ProbeAsync(CancellationToken cancellationToken) =>
        Destinations.ProbeAsync(_invoker, _options.HealthCheck, _time, cancellationToken);

    public void Dispose() => _invoker.Dispose();

    private static bool IsCancellation(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private static SocketsHttpHandler CreateHandler(UpstreamOptions options, IWorkloadIdentitySource identities, TimeProvider time, CrlFreshnessOptions freshness)
    {
        var expected = options.SpiffeId.Length > 0 ? SpiffeId.Parse(options.SpiffeId) : null;
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,

            // New connections pick up a rotated SVID (ours and the upstream's).
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                LocalCertificateSelectionCallback = options.PresentSvid ? (_, _, _, _, _) => identities.Current.Certificate : null,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    if (certificate is not X509Certificate2 leaf)
                    {
                        return false;
                    }

                    var intermediates = chain?.ChainPolicy.ExtraStore.Where(c => !c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)).ToArray() ?? [];
                    var result = CallerValidator.Validate(leaf, intermediates, identities.Current, time.GetUtcNow(), freshness);
                    return result.IsValid && (expected is null || result.Id!.Equals(expected));
                },
            },
        };
    }
}
