using System.Collections.Concurrent;
using System.Net;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// The receiving end of OTLP/HTTP on loopback, as a collector's <c>otlphttp</c> receiver: accepts
/// <c>POST /v1/metrics</c>, answers 200, and keeps every export for the test to look at.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    /// <summary>The path a collector serves OTLP/HTTP metrics on.</summary>
    public const string MetricsPath = "/v1/metrics";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Export> _exports = new();

    public OtlpReceiver()
    {
        Port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port));
        _app = builder.Build();
        _app.MapPost(MetricsPath, async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            _exports.Enqueue(new Export(context.Request.ContentType, body.ToArray()));
            context.Response.ContentType = "application/x-protobuf";
        });
    }

    public int Port { get; }

    /// <summary>The URL to give <c>Telemetry:Otlp:Endpoint</c>.</summary>
    public string MetricsUrl => $"http://127.0.0.1:{Port}{MetricsPath}";

    public Task StartAsync() => _app.StartAsync();

    /// <summary>The first export that <paramref name="match"/> accepts; throws <see cref="TimeoutException"/> when none arrives within <paramref name="timeout"/>.</summary>
    public async Task<Export> WaitForExportAsync(Func<Export, bool> match, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_exports.FirstOrDefault(match) is { } export)
            {
                return export;
            }

            try
            {
                await Task.Delay(200, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching OTLP export within {timeout} ({_exports.Count} other exports arrived)");
            }
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>One OTLP export as it arrived: its content type and its protobuf body.</summary>
    public sealed record Export(string? ContentType, byte[] Body)
    {
        /// <summary>Whether the body holds <paramref name="text"/> as UTF-8 (protobuf keeps names and attribute values as plain strings).</summary>
        public bool Mentions(string text) => Body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;
    }
}
