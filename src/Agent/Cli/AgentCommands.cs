using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Agent.Hosting;
using IdentityIssuer.Spiffe;
using IdentityIssuer.Spiffe.WorkloadApi;
using IdentityIssuer.Spiffe.X509;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Cli;

/// <summary>The identity-agent command tree: run, api fetch|validate|watch, healthcheck.</summary>
internal static class AgentCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static readonly Option<string> Socket = new("--socket")
    {
        Description = "Workload API address: unix:///path or a path (default: $SPIFFE_ENDPOINT_SOCKET)",
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
        var root = new RootCommand("identity-agent: the IdentityIssuer node agent and Workload API client") { Socket, Output };
        root.Subcommands.Add(Run());
        var api = new Command("api", "Talk to the Workload API as a workload would");
        var fetch = new Command("fetch", "Fetch SVIDs");
        fetch.Subcommands.Add(FetchX509());
        fetch.Subcommands.Add(FetchJwt());
        api.Subcommands.Add(fetch);
        var validate = new Command("validate", "Validate SVIDs");
        validate.Subcommands.Add(ValidateJwt());
        api.Subcommands.Add(validate);
        api.Subcommands.Add(Watch());
        root.Subcommands.Add(api);
        root.Subcommands.Add(Healthcheck());
        return root;
    }

    private static Command Run()
    {
        var config = new Option<string>("--config") { Description = "Configuration file (JSON); IDENTITY_AGENT_Section__Key variables and trailing --Section:Key=value override it" };
        var joinTokenFile = new Option<string>("--join-token-file")
        {
            Description = "File holding the join token for the first attestation (join_token attestor); recommended, like IDENTITY_AGENT_Agent__JoinToken, because other local users cannot read them",
        };
        var joinToken = new Option<string>("--join-token")
        {
            Description = "Join token on the command line: visible to every local user in the process list; prefer --join-token-file or IDENTITY_AGENT_Agent__JoinToken",
        };
        var command = new Command("run", "Run the agent") { config, joinTokenFile, joinToken };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            WebApplication app;
            try
            {
                var configuration = AgentHost.LoadConfiguration(result.GetValue(config), result.UnmatchedTokens);
                app = AgentHost.Build(configuration, AgentHost.JoinTokenFrom(result.GetValue(joinToken), result.GetValue(joinTokenFile)));
                await app.StartAsync(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Console.Error.WriteLine($"Error: {(ex is OptionsValidationException o ? "invalid configuration: " + string.Join("; ", o.Failures) : ex.Message)}");
                return 1;
            }

            await app.WaitForShutdownAsync(CancellationToken.None);
            await app.DisposeAsync();
            return 0;
        });
        return command;
    }

    private static Command FetchX509()
    {
        var write = new Option<string>("--write") { Description = "Directory to write svid.N.pem, svid.N.key (0600) and bundle.N.pem into" };
        var command = new Command("x509", "Fetch X509-SVIDs and bundles") { write };
        command.SetAction((result, ct) => WithClient(result, async client =>
        {
            var context = await client.FetchX509ContextAsync(ct);
            var directory = result.GetValue(write);
            var rows = new List<object>();
            for (var i = 0; i < context.Svids.Count; i++)
            {
                var svid = context.Svids[i];
                var leaf = svid.Certificate;
                rows.Add(new { spiffeId = svid.Id.ToString(), hint = svid.Hint, serial = leaf.SerialNumber.ToLowerInvariant(), notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime()) });
                if (directory is not null)
                {
                    Directory.CreateDirectory(directory);
                    var bundle = context.Bundles.GetX509Bundle(svid.Id.TrustDomain);
                    WriteFile(Path.Combine(directory, $"svid.{i}.pem"), DerCertificates.ToPem(svid.Svid.Chain), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                    WriteFile(Path.Combine(directory, $"svid.{i}.key"), leaf.GetECDsaPrivateKey() is { } ec ? ec.ExportPkcs8PrivateKeyPem() + "\n" : leaf.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    WriteFile(Path.Combine(directory, $"bundle.{i}.pem"), DerCertificates.ToPem(bundle?.Authorities ?? []), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                }
            }

            if (IsJson(result))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { svids = rows }, Json));
                return 0;
            }

            Console.Out.WriteLine($"Received {context.Svids.Count} svid{(context.Svids.Count == 1 ? string.Empty : "s")}");
            foreach (var svid in context.Svids)
            {
                Console.Out.WriteLine();
                Console.Out.WriteLine($"SPIFFE ID : {svid.Id}");
                if (svid.Hint.Length > 0)
                {
                    Console.Out.WriteLine($"Hint      : {svid.Hint}");
                }

                Console.Out.WriteLine($"Serial    : {svid.Certificate.SerialNumber.ToLowerInvariant()}");
                Console.Out.WriteLine($"Expires at: {new DateTimeOffset(svid.Certificate.NotAfter.ToUniversalTime()):O}");
            }

            if (directory is not null)
            {
                Console.Out.WriteLine($"\nWrote the SVIDs, keys and bundles to {directory}");
            }

            return 0;
        }));
        return command;
    }

    private static Command FetchJwt()
    {
        var audience = new Option<string[]>("--audience") { Description = "Audience (repeat for more)", Required = true };
        var spiffeId = new Option<string>("--spiffe-id") { Description = "Only this identity (default: all of the caller's)" };
        var command = new Command("jwt", "Fetch JWT-SVIDs") { audience, spiffeId };
        command.SetAction((result, ct) => WithClient(result, async client =>
        {
            SpiffeId? id = null;
            if (result.GetValue(spiffeId) is { } text && !SpiffeId.TryParse(text, out id, out var error))
            {
                return Fail(result, $"--spiffe-id: '{text}' is not a valid SPIFFE ID: {error}");
            }

            var svids = await client.FetchJwtSvidsAsync(result.GetValue(audience)!, id, ct);
            if (IsJson(result))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { svids = svids.Select(s => new { spiffeId = s.Id.ToString(), token = s.Token, hint = s.Hint }) }, Json));
                return 0;
            }

            foreach (var svid in svids)
            {
                Console.Out.WriteLine($"token({svid.Id}):");
                Console.Out.WriteLine(svid.Token);
            }

            return 0;
        }));
        return command;
    }

    private static Command ValidateJwt()
    {
        var audience = new Option<string>("--audience") { Description = "The audience the token must carry", Required = true };
        var token = new Option<string>("--svid") { Description = "The JWT-SVID to validate", Required = true };
        var command = new Command("jwt", "Validate a JWT-SVID through the Workload API") { audience, token };
        command.SetAction((result, ct) => WithClient(result, async client =>
        {
            var validated = await client.ValidateJwtSvidAsync(result.GetValue(token)!, result.GetValue(audience)!, ct);
            if (IsJson(result))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { spiffeId = validated.Id.ToString(), claims = validated.Claims }, Json));
            }
            else
            {
                Console.Out.WriteLine($"SVID is valid.\nSPIFFE ID : {validated.Id}\nClaims    : {validated.Claims.GetRawText()}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Watch()
    {
        var command = new Command("watch", "Print every X509-SVID update until interrupted");
        command.SetAction((result, ct) => WithClient(result, async client =>
        {
            await foreach (var context in client.WatchX509ContextAsync(ct))
            {
                foreach (var svid in context.Svids)
                {
                    Console.Out.WriteLine($"{DateTimeOffset.UtcNow:O} received {svid.Id} serial {svid.Certificate.SerialNumber.ToLowerInvariant()} expires {new DateTimeOffset(svid.Certificate.NotAfter.ToUniversalTime()):O}");
                }

                await Console.Out.FlushAsync(ct);
            }

            return 0;
        }));
        return command;
    }

    private static Command Healthcheck()
    {
        var command = new Command("healthcheck", "Check that the agent's Workload API answers");
        command.SetAction((result, ct) => WithClient(result, async client =>
        {
            try
            {
                await client.FetchX509BundlesAsync(ct);
            }
            catch (WorkloadApiException ex) when (ex.StatusCode == GrpcStatusCode.PermissionDenied)
            {
                // The agent answered; this caller simply has no identity.
            }

            Console.Out.WriteLine("Agent is healthy.");
            return 0;
        }));
        return command;
    }

    private static async Task<int> WithClient(ParseResult result, Func<WorkloadApiClient, Task<int>> action)
    {
        WorkloadApiClient client;
        try
        {
            client = new WorkloadApiClient(result.GetValue(Socket) is { Length: > 0 } s && !s.Contains("://", StringComparison.Ordinal) ? "unix://" + Path.GetFullPath(s) : result.GetValue(Socket));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or WorkloadApiException or InvalidOperationException)
        {
            return Fail(result, ex.Message);
        }

        using (client)
        {
            try
            {
                return await action(client);
            }
            catch (WorkloadApiException ex)
            {
                return Fail(result, ex.Message);
            }
            catch (HttpRequestException ex)
            {
                return Fail(result, $"cannot reach the Workload API at {client.Endpoint}: {ex.InnerException?.Message ?? ex.Message}");
            }
        }
    }

    private static bool IsJson(ParseResult result) => result.GetValue(Output) == "json";

    private static int Fail(ParseResult result, string message)
    {
        if (IsJson(result))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { error = message }, Json));
        }
        else
        {
            Console.Error.WriteLine($"Error: {message}");
        }

        return 1;
    }

    private static void WriteFile(string path, string content, UnixFileMode mode) =>
        Issuer.AtomicFile.Write(path, System.Text.Encoding.ASCII.GetBytes(content), mode);
}
