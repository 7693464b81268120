using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace IdentityIssuer.Gateway.Identity;

/// <summary>
/// mTLS with SVIDs on a Kestrel listener. Every handshake takes the server certificate from the
/// identity current at that moment, so a rotated SVID is served to new connections at once with no
/// restart, and open connections keep theirs. A client certificate is asked for but not required by
/// TLS: the request pipeline answers 401 with a reason, which a TLS alert could not carry. The chain
/// the client sent is kept on the connection for <see cref="WorkloadCallerMiddleware"/>.
/// </summary>
public static class WorkloadMtls
{
    /// <summary>Serves HTTPS with the SVID of <paramref name="identities"/> and asks clients for theirs.</summary>
    public static ListenOptions UseWorkloadMtls(this ListenOptions listen, IWorkloadIdentitySource identities)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(identities);
        return listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = context =>
            {
                var identity = identities.Current;
                var chain = new ClientChainFeature();
                context.Connection.Features.Set(chain);
                return ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = identity.ServerCertificateContext,
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                    RemoteCertificateValidationCallback = (_, _, presented, _) =>
                    {
                        // Accept at the TLS layer; CallerValidator decides per request with the reason logged.
                        if (presented is not null)
                        {
                            chain.Intermediates = [.. presented.ChainPolicy.ExtraStore.Where(c => c.RawDataMemory.Length > 0)];
                        }

                        return true;
                    },
                });
            },
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
    }

    /// <summary>The client's leaf and intermediates on this connection, as sent in the handshake.</summary>
    internal static (X509Certificate2? Leaf, IReadOnlyList<X509Certificate2> Intermediates, ClientChainFeature? Feature) ClientChain(HttpContext context)
    {
        var leaf = context.Connection.ClientCertificate;
        var feature = context.Features.Get<ClientChainFeature>();
        var intermediates = feature?.Intermediates.Where(c => leaf is null || !c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)).ToArray() ?? [];
        return (leaf, intermediates, feature);
    }
}

/// <summary>Per connection: the intermediates the client sent and the last validation of its chain.</summary>
internal sealed class ClientChainFeature
{
    public IReadOnlyList<X509Certificate2> Intermediates { get; set; } = [];

    /// <summary>The identity the cached result was computed against; a new one forces a new validation.</summary>
    public WorkloadIdentity? ValidatedWith { get; set; }

    public CallerValidationResult? Result { get; set; }

    public DateTimeOffset ValidUntil { get; set; }
}
