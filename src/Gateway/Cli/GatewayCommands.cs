using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IdentityIssuer.Gateway.Configuration;
using IdentityIssuer.Gateway.Hosting;
using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Policy;
using IdentityIssuer.Spiffe;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdentityIssuer.Gateway.Cli;

/// <summary>The identity-gateway command tree: run, approvals list|approve|deny, healthcheck.</summary>
internal static class GatewayCommands
{
    /// <summary>The admin socket when neither --socket nor the variable is given (the <c>Gateway:AdminSocketPath</c> default).</summary>
    public static readonly string DefaultSocket = new GatewayOptions().AdminSocketPath;

    private static readonly Option<string> Socket = new("--socket")
    {
        Description = $"The gateway's admin socket (default: $IDENTITY_GATEWAY_ADMIN_SOCKET, else {new GatewayOptions().AdminSocketPath})",
        Recursive = true,
    };

    private static readonly Option<string> Output = new("--output")
    {
        Description = "Output format: text or json",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    };

    public static RootCommand Create()
    {
        Output.AcceptOnlyFromAmong("text", "json");
        var root = new RootCommand("identity-gateway: the mTLS gateway in front of AI tool endpoints (SVID callers, tool policy, approvals, audit)");
        root.Subcommands.Add(Run());
        // Only the commands that talk to a running gateway take its admin socket; run reads Gateway:AdminSocketPath.
        var approvals = new Command("approvals", "List, approve or deny approval requests of high-risk tool calls") { Socket, Output };
        approvals.Subcommands.Add(List());
        approvals.Subcommands.Add(Approve());
        approvals.Subcommands.Add(Deny());
        root.Subcommands.Add(approvals);
        root.Subcommands.Add(Healthcheck());
        return root;
    }

    private static Command Run()
    {
        var config = new Option<string>("--config") { Description = "Configuration file (JSON); IDENTITY_GATEWAY_Section__Key variables and trailing --Section:Key=value override it" };
        var command = new Command("run", "Run the gateway") { config };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            WebApplication app;
            X509SourceIdentity? source = null;
            try
            {
                var configuration = GatewayHost.LoadConfiguration(result.GetValue(config), result.UnmatchedTokens);
                var (settings, routes) = GatewayHost.Validate(configuration);
                var identity = new DeferredWorkloadIdentitySource();
                app = GatewayHost.Build(configuration, settings, routes, identity);
                _ = app.Services.GetRequiredService<ToolPolicyStore>();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(settings.Gateway.WorkloadApiTimeout);
                var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("IdentityIssuer.Gateway.Identity");
                try
                {
                    source = await X509SourceIdentity.CreateAsync(
                        settings.Gateway.WorkloadApiSocket.Length > 0 ? settings.Gateway.WorkloadApiSocket : null,
                        settings.Gateway.SpiffeId.Length > 0 ? SpiffeId.Parse(settings.Gateway.SpiffeId) : null,
                        logger,
                        timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new GatewayConfigurationException($"no SVID from the Workload API within {settings.Gateway.WorkloadApiTimeout} (Gateway:WorkloadApiTimeout); is the agent running and is there an entry for this process?");
                }

                identity.Set(source);
                await app.StartAsync(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Console.Error.WriteLine($"Error: {ex.Message}");
                if (source is not null)
                {
                    await source.DisposeAsync();
                }

                return 1;
            }

            await app.WaitForShutdownAsync(CancellationToken.None);
            await app.DisposeAsync();
            await source.DisposeAsync();
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List pending and approved requests, each with the query, MCP arguments or body size and SHA-256 it is bound to");
        command.SetAction((result, ct) => WithClient(result, async client =>
        {
            var json = await client.GetAsync("v1/approvals", ct);
            if (IsJson(result))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(json, GatewayAdminClient.Json));
                return 0;
            }

            var approvals = json.GetProperty("approvals");
            if (approvals.GetArrayLength() == 0)
            {
                Console.Out.WriteLine("No approval requests.");
                return 0;
            }

            Console.Out.WriteLine($"{"ID",-16}  {"STATE",-8}  {"SPIFFE ID",-40}  {"REQUIRED",-24}  {"TARGET",-20}  EXPIRES");
            foreach (var a in approvals.EnumerateArray())
            {
                Console.Out.WriteLine($"{S(a, "id"),-16}  {S(a, "state"),-8}  {S(a, "spiffeId"),-40}  {S(a, "tool") + ":" + S(a, "action"),-24}  {S(a, "target"),-20}  {S(a, "expiresAt")}");
                // What the approval is bound to besides the target: the operator approves this exact call.
                foreach (var (label, name) in new[] { ("query", "query"), ("arguments", "arguments"), ("body", "body") })
                {
                    if (S(a, name) is { Length: > 0 } value)
                    {
                        Console.Out.WriteLine($"{string.Empty,-16}  {label + ":",-11}{value}");
                    }
                }
            }

            return 0;
        }));
        return command;
    }

    private static Command Approve()
    {
        var id = new Argument<string>("id") { Description = "The approval request id (from the 403 answer or 'approvals list')" };
        var ttl = new Option<string>("--ttl") { Description = "How long the approval waits for the retried call: 90, 90s, 15m, 1h (default: Approvals:Ttl, 5m)" };
        var command = new Command("approve", "Grant one call (caller, tool, action, target and the exact arguments or body of the request), once, for a limited time") { id, ttl };
        command.SetAction((result, ct) => WithClient(result, async client =>
        {
            int? seconds = null;
            if (result.GetValue(ttl) is { } text)
            {
                if (!TryParseDuration(text, out var duration))
                {
                    return Fail(result, $"--ttl: '{text}' is not a duration (90, 90s, 15m, 1h, 2d)");
                }

                seconds = (int)duration.TotalSeconds;
            }

            var json = await client.PostAsync($"v1/approvals/{Uri.EscapeDataString(result.GetValue(id)!)}/approve", new { ttlSeconds = seconds }, ct);
            return Print(result, json, $"Approved {S(json, "id")}: {S(json, "spiffeId")} may call {S(json, "tool")}:{S(json, "action")} on '{S(json, "target")}' once until {S(json, "expiresAt")}");
        }));
        return command;
    }

    private static Command Deny()
    {
        var id = new Argument<string>("id") { Description = "The approval request id" };
        var command = new Command("deny", "Refuse an approval request") { id };
        command.SetAction((result, ct) => WithClient(result, async client =>
        {
            var json = await client.PostAsync($"v1/approvals/{Uri.EscapeDataString(result.GetValue(id)!)}/deny", new { }, ct);
            return Print(result, json, $"Denied {S(json, "id")}: {S(json, "spiffeId")} {S(json, "tool")}:{S(json, "action")} on '{S(json, "target")}'");
        }));
        return command;
    }

    private static Command Healthcheck()
    {
        var command = new Command("healthcheck", "Check that the gateway runs: prints its SPIFFE ID, certificate serial and policy") { Socket, Output };
        command.SetAction((result, ct) => WithClient(result, async client =>
        {
            var json = await client.GetAsync("v1/health", ct);
            return Print(result, json, $"Gateway is healthy.\nSPIFFE ID : {S(json, "spiffeId")}\nSerial    : {S(json, "serial")}\nExpires at: {S(json, "notAfter")}\nPolicy    : {S(json, "policyFile")} ({S(json, "tools")} tools, {S(json, "rules")} rules)");
        }));
        return command;
    }

    private static async Task<int> WithClient(ParseResult result, Func<GatewayAdminClient, Task<int>> action)
    {
        var socket = result.GetValue(Socket) is { Length: > 0 } s ? s
            : Environment.GetEnvironmentVariable("IDENTITY_GATEWAY_ADMIN_SOCKET") is { Length: > 0 } e ? e
            : DefaultSocket;
        using var client = new GatewayAdminClient(Path.GetFullPath(socket));
        try
        {
            return await action(client);
        }
        catch (GatewayAdminException ex)
        {
            return Fail(result, ex.Message);
        }
    }

    private static int Print(ParseResult result, JsonElement json, string text)
    {
        Console.Out.WriteLine(IsJson(result) ? JsonSerializer.Serialize(json, GatewayAdminClient.Json) : text);
        return 0;
    }

    private static string S(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : string.Empty;

    private static bool IsJson(ParseResult result) => result.GetValue(Output) == "json";

    private static int Fail(ParseResult result, string message)
    {
        if (IsJson(result))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { error = message }, GatewayAdminClient.Json));
        }
        else
        {
            Console.Error.WriteLine($"Error: {message}");
        }

        return 1;
    }

    private static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text.Length == 0)
        {
            return false;
        }

        var unit = text.Length > 0 && char.IsAsciiLetter(text[^1]) ? text[^1] : 's';
        var number = char.IsAsciiLetter(text[^1]) ? text[..^1] : text;
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return false;
        }

        duration = unit switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.Zero,
        };
        return duration > TimeSpan.Zero;
    }
}
