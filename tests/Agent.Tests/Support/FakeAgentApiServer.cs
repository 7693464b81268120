using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Attestation.AgentApi;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Agent.Tests.Support;

/// <summary>
/// A stand-in for the issuer's agent API on loopback HTTPS: it presents the issuer's server SVID
/// (<c>spiffe://TD/identity-issuer/server</c>, signed by the test trust domain's root), requires a
/// client certificate, remembers the serial of the client certificate behind every request, and
/// answers every request with a JWT-SVID. A test can hold requests until it releases them.
/// </summary>
internal sealed class FakeAgentApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentQueue<string> _clientSerials = new();
    private TaskCompletionSource? _gate;
    private TaskCompletionSource _arrived = NewSignal();
    private int _answered;

    private FakeAgentApiServer(TestTrustDomain trustDomain, int port)
    {
        Address = $"https://127.0.0.1:{port}";
        _certificate = trustDomain.CreateLeafWithKey("/identity-issuer/server");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = _certificate;
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.AllowAnyClientCertificate();
        })));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(5));
        _app = builder.Build();
        _app.Run(AnswerAsync);
    }

    /// <summary>The base address, for <c>Agent:IssuerAddress</c>.</summary>
    public string Address { get; }

    /// <summary>The serial (uppercase hex, as <see cref="X509Certificate2.SerialNumber"/>) of the client certificate behind each request, in order.</summary>
    public IReadOnlyList<string> ClientSerials => [.. _clientSerials];

    public static async Task<FakeAgentApiServer> StartAsync(TestTrustDomain trustDomain)
    {
        var server = new FakeAgentApiServer(trustDomain, FreePort.Next());
        await server._app.StartAsync();
        return server;
    }

    /// <summary>From now on requests wait, after their client certificate is recorded, until <see cref="Release"/>.</summary>
    public void Hold()
    {
        _arrived = NewSignal();
        Volatile.Write(ref _gate, NewSignal());
    }

    /// <summary>Completes once a request is waiting (after <see cref="Hold"/>).</summary>
    public Task WaitForHeldRequestAsync() => _arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Lets held requests (and all later ones) through.</summary>
    public void Release() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AnswerAsync(HttpContext context)
    {
        var certificate = await context.Connection.GetClientCertificateAsync(context.RequestAborted);
        _clientSerials.Enqueue(certificate?.SerialNumber ?? string.Empty);
        if (Volatile.Read(ref _gate) is { } gate)
        {
            _arrived.TrySetResult();
            await gate.Task.WaitAsync(context.RequestAborted);
        }

        var n = Interlocked.Increment(ref _answered);
        await context.Response.WriteAsJsonAsync(
            new MintJwtResponse("spiffe://example.org/workload/web", $"token-{n}", DateTimeOffset.UtcNow.AddMinutes(5)),
            context.RequestAborted);
    }
}
