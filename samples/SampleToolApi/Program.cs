using System.Net;
using System.Text.Json.Nodes;
using IdentityIssuer.Gateway.Authorization;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Spiffe;
using Microsoft.Extensions.Logging.Console;

// sample-tool-api --Port 9090 [--Address 127.0.0.1] [--Mode mtls|http]
//                 [--WorkloadApiSocket unix:///…] [--SpiffeId spiffe://…] [--PolicyFile policy.yaml|policy.json]
// mtls (default): serves its own SVID from the Workload API, requires callers' SVIDs
// (UseWorkloadCaller) and authorizes /search with RequireToolCapability("search:query").
// http: plain HTTP on loopback, for a tool API that only the gateway can reach.
// Every answer echoes the X-Workload-Spiffe-Id header it received, so tests can see what the gateway sent.
var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();
var mode = configuration["Mode"] ?? "mtls";
if (mode is not ("mtls" or "http") || !int.TryParse(configuration["Port"], out var port))
{
    Console.Error.WriteLine("usage: sample-tool-api --Port N [--Address A] [--Mode mtls|http] [--WorkloadApiSocket unix:///path] [--SpiffeId ID] [--PolicyFile policy.yaml|policy.json]");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Microsoft", LogLevel.Warning);
builder.Services.PostConfigure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Simple);
var address = IPAddress.Parse(configuration["Address"] ?? "127.0.0.1");
X509SourceIdentity? identity = null;
if (mode == "mtls")
{
    using var loggers = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
    identity = await X509SourceIdentity.CreateAsync(
        configuration["WorkloadApiSocket"],
        configuration["SpiffeId"] is { Length: > 0 } id ? SpiffeId.Parse(id) : null,
        loggers.CreateLogger("sample-tool-api"),
        CancellationToken.None);
    builder.Services.AddSingleton<IWorkloadIdentitySource>(identity);
    builder.Services.AddWorkloadAuthorization(configuration["PolicyFile"] ?? "policy.json");
    builder.WebHost.ConfigureKestrel(k => k.Listen(address, port, listen => listen.UseWorkloadMtls(identity)));
}
else
{
    builder.WebHost.ConfigureKestrel(k => k.Listen(address, port));
}

var app = builder.Build();
if (mode == "mtls")
{
    app.UseWorkloadCaller();
}

var search = app.MapGet("/search", (HttpContext context, string? q, string? index) =>
    Results.Ok(new { tool = "search", query = q, index, results = new[] { $"{index}/result-1", $"{index}/result-2" }, seen = Seen(context) }));
var deploy = app.MapPost("/deploy/{service}", (HttpContext context, string service) =>
    Results.Ok(new { tool = "deploy", service, deployed = true, seen = Seen(context) }));
if (mode == "mtls")
{
    search.RequireToolCapability("search:query", context => context.Request.Query["index"]);
    deploy.RequireToolCapability("deploy:run", context => context.Request.RouteValues["service"] as string);
}

app.MapPost("/mcp", async (HttpContext context) =>
{
    var request = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
    var method = request?["method"]?.GetValue<string>();
    if (request?["id"] is null)
    {
        return Results.Accepted();
    }

    JsonNode result = method switch
    {
        "initialize" => new JsonObject
        {
            ["protocolVersion"] = "2025-06-18",
            ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
            ["serverInfo"] = new JsonObject { ["name"] = "sample-tool-api", ["version"] = "1.0" },
        },
        "tools/list" => new JsonObject
        {
            ["tools"] = new JsonArray(
                Tool("search", "Search an index"),
                Tool("deploy", "Deploy a service (high risk)"),
                Tool("delete_index", "Delete an index")),
        },
        "tools/call" => new JsonObject
        {
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = $"called {request["params"]?["name"]}" }),
            ["seen"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Seen(context))),
        },
        _ => new JsonObject(),
    };
    return Results.Json(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = request["id"]!.DeepClone(), ["result"] = result });
});

await app.RunAsync();
if (identity is not null)
{
    await identity.DisposeAsync();
}

return 0;

static JsonObject Tool(string name, string description) => new()
{
    ["name"] = name,
    ["description"] = description,
    ["inputSchema"] = new JsonObject { ["type"] = "object" },
};

// What this API saw: the caller ID the gateway put in the header, and the peer that connected (mTLS).
static object Seen(HttpContext context) => new
{
    workloadSpiffeIdHeader = context.Request.Headers["X-Workload-Spiffe-Id"].ToString(),
    workloadSpiffeIdHeaderCount = context.Request.Headers["X-Workload-Spiffe-Id"].Count,
    peer = context.GetWorkloadCaller()?.Id.ToString(),
};
