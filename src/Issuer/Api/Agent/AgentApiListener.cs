using System.Net;
using System.Net.Security;
using IdentityIssuer.Issuer.Api.Bundle;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>
/// The agent API's HTTPS listener. The server certificate is the issuer's own SVID. A client
/// certificate is asked for but not required, and any is accepted at the TLS layer: attestation has
/// none yet, and <see cref="AgentAuthenticator"/> decides about the rest with a clear error instead of
/// a failed handshake. Connections are marked, so requests are routed by the listener they came in on.
/// </summary>
internal static class AgentApiListener
{
    private static readonly object Marker = new();

    public static void ListenAgentApi(this KestrelServerOptions kestrel, AgentApiOptions options)
    {
        if (!options.Enabled || !IPAddress.TryParse(options.Address, out var address))
        {
            return;
        }

        kestrel.Listen(address, options.Port, listen =>
        {
            listen.Use(next => connection =>
            {
                connection.Items[Marker] = Marker;
                return next(connection);
            });
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = kestrel.ApplicationServices.GetRequiredService<ServerSvidProvider>().GetContext(),
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }),
            });
        });
    }

    /// <summary>Sends requests that arrived on the agent listener to the agent API, and only those.</summary>
    public static void UseAgentApi(this IApplicationBuilder app) =>
        app.MapWhen(IsAgentApiRequest, agentApp => agentApp.Run(AgentApiHandler.InvokeAsync));

    private static bool IsAgentApiRequest(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(Marker) == true;
}
