using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using IdentityIssuer.Issuer.Api.Bundle;
using IdentityIssuer.Issuer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityIssuer.Issuer.Tests.Api.Bundle;

public sealed class ServerSvidProviderTests : IAsyncLifetime
{
    private IssuerServices _issuer = null!;
    private ServerSvidProvider _provider = null!;

    public async Task InitializeAsync()
    {
        _issuer = await IssuerServices.StartAsync();
        _provider = ActivatorUtilities.CreateInstance<ServerSvidProvider>(_issuer.Provider);
        await _provider.RenewAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _provider.Dispose();
        await _issuer.DisposeAsync();
    }

    [Fact]
    public async Task Handshake_WithAContextTakenBeforeARenewal_SucceedsWithTheOldSvid()
    {
        var before = _provider.GetContext();
        var oldSerial = _provider.Certificate!.SerialNumber;

        await _provider.RenewAsync(CancellationToken.None);
        using var presented = await HandshakeAsync(before);

        Assert.NotEqual(oldSerial, _provider.Certificate!.SerialNumber);
        Assert.Equal(oldSerial, presented.SerialNumber);
    }

    [Fact]
    public async Task Handshake_AfterARenewal_PresentsTheNewSvid()
    {
        await _provider.RenewAsync(CancellationToken.None);
        var newSerial = _provider.Certificate!.SerialNumber;

        using var presented = await HandshakeAsync(_provider.GetContext());

        Assert.Equal(newSerial, presented.SerialNumber);
    }

    [Fact]
    public async Task Renew_OnceARetiredSvidIsPastItsGrace_DisposesIt()
    {
        var retired = _provider.Certificate!;
        await _provider.RenewAsync(CancellationToken.None);
        Assert.True(retired.HasPrivateKey);

        _issuer.Clock.Advance(ServerSvidProvider.RetiredGrace + TimeSpan.FromSeconds(1));
        await _provider.RenewAsync(CancellationToken.None);

        // A disposed certificate has no handle (and no key) left.
        Assert.Equal(IntPtr.Zero, retired.Handle);
    }

    [Fact]
    public async Task Renew_WithinTheGrace_KeepsTheRetiredSvidUsable()
    {
        var before = _provider.GetContext();
        var oldSerial = _provider.Certificate!.SerialNumber;

        await _provider.RenewAsync(CancellationToken.None);
        _issuer.Clock.Advance(ServerSvidProvider.RetiredGrace - TimeSpan.FromSeconds(1));
        await _provider.RenewAsync(CancellationToken.None);
        using var presented = await HandshakeAsync(before);

        Assert.Equal(oldSerial, presented.SerialNumber);
    }

    /// <summary>A TLS handshake over loopback with <paramref name="context"/> on the server side; returns what the client was shown.</summary>
    private static async Task<X509Certificate2> HandshakeAsync(SslStreamCertificateContext context)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        var connecting = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, timeout.Token);
        using var accepted = await listener.AcceptTcpClientAsync(timeout.Token);
        await connecting;

        await using var serverTls = new SslStream(accepted.GetStream());
        await using var clientTls = new SslStream(client.GetStream());
        var serving = serverTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, timeout.Token);
        var connectingTls = clientTls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
            timeout.Token);

        // Whichever side fails first says why (the other would only wait for the timeout).
        await await Task.WhenAny(serving, connectingTls);
        await Task.WhenAll(serving, connectingTls);

        return X509CertificateLoader.LoadCertificate(clientTls.RemoteCertificate!.GetRawCertData());
    }
}
