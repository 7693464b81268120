using System.Collections.Concurrent;
using System.Net;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// A plain HTTP upstream on loopback that answers every request with 200 and remembers exactly what
/// reached it: the request target as it came off the wire (not decoded, not normalised) and every
/// header. Tests ask it what the gateway really forwarded, and whether a refused request got through.
/// </summary>
public sealed class EchoUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();

    private EchoUpstream(int port)
    {
        Port = port;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        _app = builder.Build();
        _app.Run(context =>
        {
            var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var headers = context.Request.Headers.SelectMany(h => h.Value.Select(v => (h.Key, v ?? string.Empty))).ToList();
            _received.Enqueue(new Received(context.Request.Method, target, headers));
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("echo " + target, context.RequestAborted);
        });
    }

    public int Port { get; }

    /// <summary>Its address, for <c>Upstream:Address</c>.</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Every request that reached it, in order.</summary>
    public IReadOnlyList<Received> Requests => [.. _received];

    public static async Task<EchoUpstream> StartAsync()
    {
        var upstream = new EchoUpstream(FreePort.Next());
        await upstream._app.StartAsync();
        return upstream;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>One request as the upstream saw it.</summary>
    public sealed record Received(string Method, string RawTarget, IReadOnlyList<(string Name, string Value)> Headers)
    {
        /// <summary>The values of every header whose name equals <paramref name="name"/>, ignoring case.</summary>
        public IReadOnlyList<string> Values(string name) => [.. Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];
    }
}
