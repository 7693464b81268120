using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Tests.Common.Kms;

/// <summary>
/// A local HTTP server that honours AWS KMS's wire contract closely enough for the real AWS SDK to
/// talk to it: AWS JSON 1.1 (<c>POST /</c>, <c>Content-Type: application/x-amz-json-1.1</c>,
/// <c>X-Amz-Target: TrentService.&lt;Operation&gt;</c>, KMS's field names, blobs in base64, times in
/// epoch seconds), errors as HTTP 400 (500 for internal faults) with <c>{"__type", "message"}</c>
/// and the <c>x-amzn-ErrorType</c> header. Every request's SigV4 signature is verified against
/// <see cref="AccessKeyId"/>/<see cref="SecretAccessKey"/> (canonical request, string to sign and
/// derived key as the SigV4 specification defines them) and refused the way KMS refuses it. Keys are
/// real: generated with .NET, signatures in DER as KMS returns them.
/// </summary>
/// <remarks>
/// Implements CreateKey (the four asymmetric signing specs the issuer uses), DescribeKey,
/// GetPublicKey, Sign, ScheduleKeyDeletion, CreateAlias, UpdateAlias, DeleteAlias and ListAliases
/// (paged; it also lists two AWS managed aliases without a target, as a real account does). Faults
/// can be injected: throttling, access denied, any error for the next N calls of an operation, and
/// a fixed latency per request. State lives as long as the server does, so several clients over
/// one server see the same keys (an issuer restart).
/// </remarks>
public sealed partial class FakeKmsServer : IAsyncDisposable
{
    /// <summary>The account every ARN names.</summary>
    public const string AccountId = "111122223333";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeKmsKey> _keys = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, FakeKmsAlias> _aliases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly List<Fault> _faults = [];
    private readonly HashSet<string> _denied = new(StringComparer.Ordinal);
    private bool _denyAll;

    private FakeKmsServer(WebApplication app, string region, string accessKeyId, string secretAccessKey)
    {
        _app = app;
        Region = region;
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        _aliases["alias/aws/ebs"] = new FakeKmsAlias("alias/aws/ebs", null, DateTimeOffset.UtcNow);
        _aliases["alias/aws/s3"] = new FakeKmsAlias("alias/aws/s3", null, DateTimeOffset.UtcNow);
    }

    /// <summary>The region the server answers for (the SigV4 scope must name it).</summary>
    public string Region { get; }

    /// <summary>The only access key id the server accepts.</summary>
    public string AccessKeyId { get; }

    /// <summary>The secret that signs that key's requests.</summary>
    public string SecretAccessKey { get; }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:41234</c>, for the SDK's ServiceURL or the issuer's Endpoint setting.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Added before every answer (a round trip to a real region takes a few milliseconds).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>The most aliases one ListAliases page holds, whatever Limit asks for (KMS: 100).</summary>
    public int MaxAliasPageSize { get; set; } = 100;

    /// <summary>Starts a server on a free loopback port with a random access key pair.</summary>
    public static async Task<FakeKmsServer> StartAsync(string region = "eu-west-1", CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        var app = builder.Build();
        var accessKeyId = "AKIA" + RandomString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
        var secret = RandomString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
        var server = new FakeKmsServer(app, region, accessKeyId, secret);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    /// <summary>Answers the next <paramref name="count"/> calls (of <paramref name="operation"/>, or of any) with ThrottlingException.</summary>
    public void ThrottleNext(int count, string? operation = null) =>
        FailNext(operation, "ThrottlingException", "Rate exceeded", HttpStatusCode.BadRequest, count);

    /// <summary>Answers the next <paramref name="count"/> calls of <paramref name="operation"/> (null: any) with the given error.</summary>
    public void FailNext(string? operation, string errorType, string message, HttpStatusCode status = HttpStatusCode.BadRequest, int count = 1)
    {
        lock (_gate)
        {
            _faults.Add(new Fault(operation, errorType, message, status) { Remaining = count });
        }
    }

    /// <summary>Denies <paramref name="operation"/> (null: every operation) with AccessDeniedException until <see cref="AllowAll"/>.</summary>
    public void DenyAccess(string? operation = null)
    {
        lock (_gate)
        {
            if (operation is null)
            {
                _denyAll = true;
            }
            else
            {
                _denied.Add(operation);
            }
        }
    }

    /// <summary>Lifts every denial and drops pending injected faults.</summary>
    public void AllowAll()
    {
        lock (_gate)
        {
            _denyAll = false;
            _denied.Clear();
            _faults.Clear();
        }
    }

    /// <summary>How many correctly signed calls of <paramref name="operation"/> arrived (answered or faulted).</summary>
    public int Calls(string operation)
    {
        lock (_gate)
        {
            return _calls.GetValueOrDefault(operation);
        }
    }

    /// <summary>Every key the server holds, with its state (<c>Enabled</c> or <c>PendingDeletion</c>).</summary>
    public IReadOnlyList<(string KeyId, string KeySpec, string KeyState, int? PendingWindowInDays)> Keys()
    {
        lock (_gate)
        {
            return [.. _keys.Values.Select(k => (k.KeyId, k.KeySpec, k.State, k.PendingWindowInDays))];
        }
    }

    /// <summary>Every alias with a target, and the key id it names.</summary>
    public IReadOnlyDictionary<string, string> Aliases()
    {
        lock (_gate)
        {
            return _aliases.Values.Where(a => a.TargetKeyId is not null).ToDictionary(a => a.Name, a => a.TargetKeyId!, StringComparer.Ordinal);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        lock (_gate)
        {
            foreach (var key in _keys.Values)
            {
                key.Key.Dispose();
            }

            _keys.Clear();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, context.RequestAborted);
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();

        KmsError? error = null;
        JsonObject? answer = null;
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path != "/")
        {
            error = new KmsError("UnknownOperationException", "Only POST / is served.");
        }
        else if (!(context.Request.ContentType ?? string.Empty).StartsWith("application/x-amz-json-1.1", StringComparison.OrdinalIgnoreCase))
        {
            error = new KmsError("SerializationException", "Content-Type must be application/x-amz-json-1.1.");
        }
        else
        {
            error = VerifySignature(context.Request, body);
        }

        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var operation = target.StartsWith("TrentService.", StringComparison.Ordinal) ? target["TrentService.".Length..] : null;
        if (error is null && operation is null)
        {
            error = new KmsError("UnknownOperationException", $"Unknown target '{target}'.");
        }

        if (error is null)
        {
            JsonObject request;
            try
            {
                request = JsonNode.Parse(body.Length == 0 ? "{}"u8 : body) as JsonObject ?? throw new FormatException("not an object");
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
            {
                request = [];
                error = new KmsError("SerializationException", "Start of structure or map found where not expected.");
            }

            if (error is null)
            {
                try
                {
                    answer = Dispatch(operation!, request);
                }
                catch (KmsError e)
                {
                    error = e;
                }
            }
        }

        context.Response.ContentType = "application/x-amz-json-1.1";
        if (error is not null)
        {
            context.Response.StatusCode = (int)error.Status;
            context.Response.Headers["x-amzn-ErrorType"] = error.Type;
            var json = new JsonObject { ["__type"] = error.Type, ["message"] = error.Message };
            await context.Response.WriteAsync(json.ToJsonString(), Encoding.UTF8, context.RequestAborted);
            return;
        }

        await context.Response.WriteAsync(answer!.ToJsonString(), Encoding.UTF8, context.RequestAborted);
    }

    private JsonObject Dispatch(string operation, JsonObject request)
    {
        lock (_gate)
        {
            _calls[operation] = _calls.GetValueOrDefault(operation) + 1;
            if (_denyAll || _denied.Contains(operation))
            {
                throw new KmsError(
                    "AccessDeniedException",
                    $"User: arn:aws:iam::{AccountId}:user/issuer is not authorized to perform: kms:{operation} because no identity-based policy allows the kms:{operation} action");
            }

            var fault = _faults.FirstOrDefault(f => f.Remaining > 0 && (f.Operation is null || f.Operation == operation));
            if (fault is not null)
            {
                fault.Remaining--;
                _faults.RemoveAll(f => f.Remaining == 0);
                throw new KmsError(fault.Type, fault.Message, fault.Status);
            }

            return operation switch
            {
                "CreateKey" => CreateKey(request),
                "DescribeKey" => DescribeKey(request),
                "GetPublicKey" => GetPublicKey(request),
                "Sign" => Sign(request),
                "ScheduleKeyDeletion" => ScheduleKeyDeletion(request),
                "CreateAlias" => CreateAlias(request),
                "UpdateAlias" => UpdateAlias(request),
                "DeleteAlias" => DeleteAlias(request),
                "ListAliases" => ListAliases(request),
                _ => throw new KmsError("UnknownOperationException", $"The fake KMS does not implement {operation}."),
            };
        }
    }

    private static string RandomString(string alphabet, int length) =>
        string.Create(length, alphabet, static (span, chars) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = chars[System.Security.Cryptography.RandomNumberGenerator.GetInt32(chars.Length)];
            }
        });

    private sealed class Fault(string? operation, string type, string message, HttpStatusCode status)
    {
        public string? Operation { get; } = operation;

        public string Type { get; } = type;

        public string Message { get; } = message;

        public HttpStatusCode Status { get; } = status;

        public int Remaining { get; set; }
    }
}
