using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Registration;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Issuer.Api.Bundle;

/// <summary>
/// The issuer's own X509-SVID (<c>spiffe://TD/identity-issuer/server</c>) for its HTTPS listeners.
/// Its key is generated in memory here; the SVID is renewed once half its lifetime has passed, or as
/// soon as the active X.509 authority is no longer the one that signed it.
/// A renewal does not dispose the certificate it replaces at once: a handshake that took the previous
/// context from <see cref="GetContext"/> just before may still be signing with its key. A replaced
/// certificate is kept for at least <see cref="RetiredGrace"/> (six times the 10 s TLS handshake
/// timeout the listeners use, Kestrel's default) and disposed by the first renewal after that, or by
/// <see cref="Dispose"/>; with renewals at half-life that is at most one or two certificates.
/// </summary>
internal sealed partial class ServerSvidProvider : IDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    /// <summary>How long a replaced certificate stays usable for handshakes that already took its context.</summary>
    internal static readonly TimeSpan RetiredGrace = TimeSpan.FromMinutes(1);

    private readonly X509SvidMinter _minter;
    private readonly CaManager _ca;
    private readonly TimeProvider _time;
    private readonly ILogger<ServerSvidProvider> _logger;
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private readonly Lock _retiredLock = new();
    private readonly List<Retired> _retired = [];
    private volatile Current? _current;

    public ServerSvidProvider(X509SvidMinter minter, CaManager ca, TimeProvider time, ILogger<ServerSvidProvider> logger)
    {
        _minter = minter;
        _ca = ca;
        _time = time;
        _logger = logger;
    }

    /// <summary>The TLS context for a new connection; starts a renewal in the background when due.</summary>
    public SslStreamCertificateContext GetContext()
    {
        var current = _current ?? throw new CaException("the server SVID has not been minted yet");

        // Renew at half-life, and at once when another authority took over signing (rotation or taint).
        if (_time.GetUtcNow() >= current.RenewAt || (_ca.IsReady && current.SignedBy != _ca.ActiveX509.Record.Id))
        {
            _ = Task.Run(() => RenewAsync(CancellationToken.None));
        }

        return current.Context;
    }

    /// <summary>The current certificate, for tests and diagnostics.</summary>
    public X509Certificate2? Certificate => _current?.Certificate;

    /// <summary>Mints a fresh SVID unless another renewal is under way.</summary>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        if (!await _renewing.WaitAsync(0, cancellationToken))
        {
            return;
        }

        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=identity-issuer", key, HashAlgorithmName.SHA256);
            var minted = await _minter.MintAsync(
                new X509SvidParams
                {
                    SpiffeId = ReservedIds.Server(_ca.TrustDomain),
                    Csr = request.CreateSigningRequest(),
                    Ttl = Ttl,
                    DnsNames = ["localhost"],
                    Caller = "issuer",
                },
                cancellationToken);
            using var leaf = X509CertificateLoader.LoadCertificate(minted.CertificateDer);
            var withKey = leaf.CopyWithPrivateKey(key);
            var intermediates = new X509Certificate2Collection();
            foreach (var der in minted.ChainAboveDer)
            {
                intermediates.Add(X509CertificateLoader.LoadCertificate(der));
            }

            var context = SslStreamCertificateContext.Create(withKey, intermediates, offline: true);
            var renewAt = minted.NotBefore + ((minted.NotAfter - minted.NotBefore) / 2);
            var previous = _current;
            _current = new Current(withKey, context, renewAt, minted.SigningAuthority);
            Retire(previous);
            LogRenewed(_logger, minted.Serial, minted.NotAfter);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRenewFailed(_logger, ex);
            if (_current is null)
            {
                throw;
            }
        }
        finally
        {
            _renewing.Release();
        }
    }

    public void Dispose()
    {
        _current?.Certificate.Dispose();
        lock (_retiredLock)
        {
            foreach (var retired in _retired)
            {
                retired.Certificate.Dispose();
            }

            _retired.Clear();
        }

        _renewing.Dispose();
    }

    /// <summary>Keeps <paramref name="previous"/> for handshakes under way; disposes what was retired longer than <see cref="RetiredGrace"/> ago.</summary>
    private void Retire(Current? previous)
    {
        var now = _time.GetUtcNow();
        lock (_retiredLock)
        {
            _retired.RemoveAll(retired =>
            {
                if (now - retired.At < RetiredGrace)
                {
                    return false;
                }

                retired.Certificate.Dispose();
                return true;
            });
            if (previous is not null)
            {
                _retired.Add(new Retired(previous.Certificate, now));
            }
        }
    }

    private sealed record Current(X509Certificate2 Certificate, SslStreamCertificateContext Context, DateTimeOffset RenewAt, string SignedBy);

    private sealed record Retired(X509Certificate2 Certificate, DateTimeOffset At);

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Server SVID renewed: serial {Serial}, valid until {NotAfter:O}")]
    private static partial void LogRenewed(ILogger logger, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "Server SVID renewal failed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);
}
