using System.Net;
using IdentityIssuer.Tests.Common.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.EndToEnd.Support;

/// <summary>
/// A plain HTTP MCP-style upstream on loopback whose <c>GET</c> answers are chosen by the query:
/// <c>?events=N&amp;everyMs=M</c> streams N <c>text/event-stream</c> events M ms apart and a final
/// <c>done</c> event; <c>?stall</c> sends one event and then nothing, until the request is aborted;
/// <c>?slowMs=M</c> answers JSON after M ms.
/// </summary>
public sealed class EventStreamUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _stallAborted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EventStreamUpstream(int port)
    {
        Port = port;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        _app = builder.Build();
        _app.Run(AnswerAsync);
    }

    public int Port { get; }

    /// <summary>Its address, for <c>Upstream:Address</c>.</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Completes when a <c>?stall</c> request was aborted (the gateway cut it).</summary>
    public Task StallAborted => _stallAborted.Task;

    public static async Task<EventStreamUpstream> StartAsync()
    {
        var upstream = new EventStreamUpstream(FreePort.Next());
        await upstream._app.StartAsync();
        return upstream;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task AnswerAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var aborted = context.RequestAborted;
        if (query.TryGetValue("slowMs", out var slow))
        {
            await Task.Delay(int.Parse(slow!, System.Globalization.CultureInfo.InvariantCulture), aborted);
            await context.Response.WriteAsJsonAsync(new { slow = true }, aborted);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        if (query.ContainsKey("stall"))
        {
            await WriteEventAsync(context, "started");
            try
            {
                await Task.Delay(Timeout.Infinite, aborted);
            }
            catch (OperationCanceledException)
            {
                _stallAborted.TrySetResult();
            }

            return;
        }

        var count = int.Parse(query["events"]!, System.Globalization.CultureInfo.InvariantCulture);
        var every = int.Parse(query["everyMs"]!, System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < count; i++)
        {
            await WriteEventAsync(context, "tick " + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Task.Delay(every, aborted);
        }

        await WriteEventAsync(context, "done");
    }

    private static async Task WriteEventAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync($"event: message\ndata: {data}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
