using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Agent.Configuration;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.Bundles;
using IdentityIssuer.Spiffe.X509;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Issuer;

/// <summary>
/// The agent's side of the issuer's agent API. The issuer is authenticated as the X509-SVID
/// <c>spiffe://TD/identity-issuer/server</c> against the current trust bundle (the bootstrap bundle
/// until the first sync); after attestation every call presents the agent's own SVID.
/// The client owns the agent SVID given to <see cref="UseSvid"/>: it disposes it, once no call still
/// uses it, after <see cref="UseSvid"/> replaced it, <see cref="ForgetSvid"/> or <see cref="Dispose"/>.
/// </summary>
internal sealed partial class IssuerClient : IJwtSvidIssuer, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly AgentOptions _options;
    private readonly TrustDomain _trustDomain;
    private readonly SpiffeId _issuerId;
    private readonly ILogger<IssuerClient> _logger;
    private readonly IssuerFailover _addresses;
    private volatile X509Bundle? _bundle;
    private MtlsLease? _lease;

    public IssuerClient(IOptions<AgentOptions> options, ILogger<IssuerClient> logger)
    {
        _options = options.Value;
        _trustDomain = TrustDomain.Parse(_options.TrustDomain);
        _issuerId = SpiffeId.FromPath(_trustDomain, "/identity-issuer/server");
        _logger = logger;
        _addresses = new IssuerFailover(_options.EffectiveIssuerAddresses().Select(a => new Uri(a)), logger);
    }

    /// <summary>The bundle used to authenticate the issuer.</summary>
    public X509Bundle? Bundle => _bundle;

    /// <summary>Replaces the bundle that authenticates the issuer (after a sync).</summary>
    public void UseBundle(X509Bundle bundle) => _bundle = bundle;

    /// <summary>
    /// Switches later calls to a new agent SVID for mTLS and takes ownership of it. Calls already under
    /// way finish with the previous SVID and its connections; the previous SVID and its client are
    /// disposed when the last of them ends (at once when none is under way).
    /// </summary>
    public void UseSvid(AgentSvid svid)
    {
        ArgumentNullException.ThrowIfNull(svid);
        if (ReferenceEquals(Volatile.Read(ref _lease)?.Svid, svid))
        {
            return;
        }

        var lease = new MtlsLease(CreateClient(svid, insecure: false), svid);
        Interlocked.Exchange(ref _lease, lease)?.Release();
    }

    /// <summary>
    /// Stops presenting the agent SVID (before re-attesting, or on shutdown): later mTLS calls fail as
    /// unauthorized until <see cref="UseSvid"/>; calls under way finish, and the SVID is disposed after the last.
    /// </summary>
    public void ForgetSvid() => Interlocked.Exchange(ref _lease, null)?.Release();

    /// <summary>
    /// Attests: no client certificate; the issuer is checked against the bootstrap bundle unless
    /// InsecureBootstrap. With <paramref name="challengeType"/> set, a challenge is asked for first and
    /// given to <paramref name="buildRequest"/>; the challenge and the attestation that answers it go to
    /// the same issuer (another replica would not know the nonce), and on failover both are repeated there.
    /// </summary>
    public Task<AttestResponse> AttestAsync(string? challengeType, Func<ChallengeResponse?, CancellationToken, Task<AttestRequest>> buildRequest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buildRequest);
        var insecure = _options.InsecureBootstrap && _bundle is null;
        if (insecure)
        {
            LogInsecureBootstrap(_logger);
        }

        return _addresses.CallAsync(
            async (address, ct) =>
            {
                using var client = CreateClient(svid: null, insecure);
                ChallengeResponse? challenge = null;
                if (challengeType is not null)
                {
                    challenge = await SendAsync<ChallengeResponse>(client, address, HttpMethod.Post, AgentApiPaths.Challenge, new ChallengeRequest(challengeType), ct);
                }

                var request = await buildRequest(challenge, ct);
                return await SendAsync<AttestResponse>(client, address, HttpMethod.Post, AgentApiPaths.Attest, request, ct);
            },
            cancellationToken);
    }

    public Task<RenewResponse> RenewAsync(RenewRequest request, CancellationToken cancellationToken) =>
        MtlsAsync<RenewResponse>(HttpMethod.Post, AgentApiPaths.Renew, request, cancellationToken);

    /// <summary>One sync page; <paramref name="crlVersion"/> is the CRL version the agent holds (empty for none).</summary>
    public Task<SyncResponse> SyncAsync(long afterRevision, string? pageToken, string crlVersion, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"{AgentApiPaths.Sync}?afterRevision={afterRevision}")
            + (pageToken is null ? string.Empty : $"&pageToken={Uri.EscapeDataString(pageToken)}")
            + $"&crlVersion={Uri.EscapeDataString(crlVersion)}";
        return MtlsAsync<SyncResponse>(HttpMethod.Get, path, null, cancellationToken);
    }

    public Task<SignX509Response> SignAsync(SignX509Request request, CancellationToken cancellationToken) =>
        MtlsAsync<SignX509Response>(HttpMethod.Post, AgentApiPaths.SignX509, request, cancellationToken);

    public Task<MintJwtResponse> MintJwtAsync(MintJwtRequest request, CancellationToken cancellationToken) =>
        MtlsAsync<MintJwtResponse>(HttpMethod.Post, AgentApiPaths.MintJwt, request, cancellationToken);

    public void Dispose() => ForgetSvid();

    /// <summary>One call with the current agent SVID; the lease keeps its client and SVID alive until the call (with its failover retries) ends.</summary>
    private async Task<T> MtlsAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var lease = AcquireLease() ?? throw new IssuerCallException(HttpStatusCode.Unauthorized, "the agent has no SVID yet");
        try
        {
            return await _addresses.CallAsync((address, ct) => SendAsync<T>(lease.Client, address, method, path, body, ct), cancellationToken);
        }
        finally
        {
            lease.Release();
        }
    }

    private MtlsLease? AcquireLease()
    {
        while (Volatile.Read(ref _lease) is { } lease)
        {
            if (lease.TryAcquire())
            {
                return lease;
            }

            // Its last reference went while we looked: UseSvid or ForgetSvid replaced it; read again.
        }

        return null;
    }

    /// <summary>A client that presents <paramref name="svid"/> as its TLS client certificate, or none when null.</summary>
    private HttpClient CreateClient(AgentSvid? svid, bool insecure)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, _) => insecure || ValidateIssuer(certificate, chain),
            },
        };
        if (svid is not null)
        {
            handler.SslOptions.ClientCertificates = [svid.LeafWithKey];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => svid.LeafWithKey;
        }

        return new HttpClient(handler) { Timeout = CallTimeout };
    }

    private bool ValidateIssuer(X509Certificate? certificate, X509Chain? chain)
    {
        var bundle = _bundle;
        if (certificate is null || bundle is null)
        {
            return false;
        }

        var presented = new List<X509Certificate2> { X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) };
        if (chain is not null)
        {
            presented.AddRange(chain.ChainPolicy.ExtraStore.Where(c => !c.RawData.AsSpan().SequenceEqual(presented[0].RawData)));
        }

        var result = X509SvidValidator.Validate(presented, new X509BundleSet([bundle]), DateTimeOffset.UtcNow);
        if (!result.IsValid || !_issuerId.Equals(result.Id))
        {
            LogIssuerRejected(_logger, result.IsValid ? $"it is {result.Id}, not {_issuerId}" : result.Error);
            return false;
        }

        return true;
    }

    private static async Task<T> SendAsync<T>(HttpClient client, Uri address, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(address, path));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new IssuerCallException(null, $"cannot reach the issuer at {address}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IssuerCallException(null, $"the issuer at {address} did not answer within {CallTimeout.TotalSeconds:0} s", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                string? message = null;
                try
                {
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                    message = doc.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
                }
                catch (JsonException)
                {
                }

                throw new IssuerCallException(response.StatusCode, message ?? $"the issuer answered {(int)response.StatusCode}");
            }

            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new IssuerCallException(response.StatusCode, "the issuer sent an empty reply");
        }
    }

    /// <summary>Parses the SPIFFE bundle JSON the issuer sends.</summary>
    public SpiffeBundle ParseBundle(string json) => SpiffeBundle.Parse(_trustDomain, System.Text.Encoding.UTF8.GetBytes(json));

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "INSECURE BOOTSTRAP: the issuer's identity is NOT checked for this attestation (Agent:InsecureBootstrap=true). Use Agent:TrustBundleFile outside development.")]
    private static partial void LogInsecureBootstrap(ILogger logger);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Refused the issuer's certificate: {Reason}")]
    private static partial void LogIssuerRejected(ILogger logger, string reason);
}

/// <summary>An agent API call failed; <see cref="Status"/> is null when the issuer could not be reached.</summary>
internal sealed class IssuerCallException : Exception
{
    public IssuerCallException(HttpStatusCode? status, string message, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
    }

    public HttpStatusCode? Status { get; }

    /// <summary>The issuer could not be reached, did not answer in time, or answered 503: another replica may answer.</summary>
    public bool IsUnavailable => Status is null or HttpStatusCode.ServiceUnavailable;

    /// <summary>The issuer no longer accepts this agent SVID (evicted, renewed elsewhere, expired): attest again.</summary>
    public bool NeedsReattestation => Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
}
