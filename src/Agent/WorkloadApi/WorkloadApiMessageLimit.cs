using System.Globalization;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// Grpc.AspNetCore enforces <see cref="WorkloadApiOptions.MaxRequestMessageBytes"/> as soon as a
/// message's length prefix arrives and answers ResourceExhausted with a fixed text that names neither
/// the limit nor the setting. Before that trailers-only answer goes out, this names both.
/// </summary>
internal static class WorkloadApiMessageLimit
{
    /// <summary>Grpc.AspNetCore's text for a request message over the limit.</summary>
    private const string GrpcAspNetCoreMessage = "Received message exceeds the maximum configured message size.";

    /// <summary>An <see cref="HttpResponse.OnStarting(Func{object, Task}, object)"/> callback; its state is the <see cref="HttpContext"/>.</summary>
    public static Task NameTheLimit(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        if (headers["grpc-status"] == "8" && headers["grpc-message"] == GrpcAspNetCoreMessage)
        {
            var limit = context.RequestServices.GetRequiredService<IOptions<WorkloadApiOptions>>().Value.MaxRequestMessageBytes;
            headers["grpc-message"] = string.Create(CultureInfo.InvariantCulture,
                $"request message exceeds the limit of {limit} bytes ({WorkloadApiOptions.SectionName}:{nameof(WorkloadApiOptions.MaxRequestMessageBytes)})");
        }

        return Task.CompletedTask;
    }
}
