using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// An HTTPS client as a SPIFFE workload uses one: it presents <c>clientCertificate</c> (or nothing) and
/// accepts the server only if its chain builds to the trust bundle (an SVID names no host). It counts
/// handshakes and remembers the last server certificate, so tests can tell new connections from reused ones.
/// </summary>
public sealed class SvidHttpClient : IDisposable
{
    private readonly SocketsHttpHandler _handler;
    private int _handshakes;

    public SvidHttpClient(X509Certificate2? clientCertificate, X509Certificate2Collection bundle, bool newConnectionPerRequest = false)
    {
        _handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = newConnectionPerRequest ? TimeSpan.Zero : Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
                RemoteCertificateValidationCallback = (_, certificate, presented, _) =>
                {
                    Interlocked.Increment(ref _handshakes);
                    if (certificate is not X509Certificate2 leaf)
                    {
                        return false;
                    }

                    LastServerSerial = leaf.SerialNumber.ToLowerInvariant();
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(bundle);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    if (presented is not null)
                    {
                        chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
                    }

                    return chain.Build(leaf);
                },
            },
        };
        Http = new HttpClient(_handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Http { get; }

    /// <summary>TLS handshakes so far (each new connection makes one).</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    /// <summary>The serial of the server certificate of the latest handshake.</summary>
    public string? LastServerSerial { get; private set; }

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }
}
