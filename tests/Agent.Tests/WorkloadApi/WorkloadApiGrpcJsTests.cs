using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IdentityIssuer.Agent.Tests.Support;
using IdentityIssuer.Tests.Common.Node;
using IdentityIssuer.Spiffe.X509;
using IdentityIssuer.Tests.Common.Certificates;

namespace IdentityIssuer.Agent.Tests.WorkloadApi;

/// <summary>
/// The Workload API as an independent gRPC implementation (Node's grpc-js loading the same
/// workload.proto) sees it, over the real Unix socket, with callers told apart by their uid.
/// </summary>
public sealed class WorkloadApiGrpcJsTests : WorkloadApiTest
{
    [Fact]
    public async Task AnyMethod_WithoutSecurityHeader_IsInvalidArgument()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));

        foreach (var method in new[] { "FetchX509SVID", "FetchJWTBundles" })
        {
            var status = Status(await RunNodeAsync(Server.SocketPath, method, ["--no-header"]));
            Assert.Equal("INVALID_ARGUMENT", status.GetProperty("name").GetString());
            Assert.Equal("security header missing from request", status.GetProperty("details").GetString());
        }

        var jwt = Status(await RunNodeAsync(Server.SocketPath, "FetchJWTSVID", ["--no-header", "aud"]));
        Assert.Equal("INVALID_ARGUMENT", jwt.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("FetchX509SVID")]
    [InlineData("FetchX509Bundles")]
    [InlineData("FetchJWTSVID", "aud")]
    [InlineData("FetchJWTBundles")]
    [InlineData("ValidateJWTSVID", "aud", "a.b.c")]
    public async Task EveryWorkloadApiMethod_WithoutSecurityHeader_IsInvalidArgument(string method, params string[] args)
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));

        var status = Status(await RunNodeAsync(Server.SocketPath, method, ["--no-header", .. args]));

        Assert.Equal("INVALID_ARGUMENT", status.GetProperty("name").GetString());
        Assert.Equal("security header missing from request", status.GetProperty("details").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("SpiffeWorkloadAPI")]
    public async Task HealthCheck_WithoutSecurityHeader_IsServing(string service)
    {
        var health = await RunNodeAsync(Server.SocketPath, "HealthCheck", ["--no-header", service]);

        Assert.Equal("SERVING", Message(health[0]).GetProperty("status").GetString());
    }

    [Fact]
    public async Task HealthCheck_ForAnUnknownService_IsNotFound()
    {
        var status = Status(await RunNodeAsync(Server.SocketPath, "HealthCheck", ["no.such.Service"]));

        Assert.Equal("NOT_FOUND", status.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1alpha")]
    public async Task Reflection_ListServices_NamesSpiffeWorkloadApiAndHealth(string version)
    {
        var listed = await RunNodeAsync(Server.SocketPath, "ListServices", ["--no-header", version]);

        var services = Message(listed[0]).GetProperty("services").EnumerateArray().Select(s => s.GetString()).ToArray();
        Assert.Contains("SpiffeWorkloadAPI", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task Reflection_DescribeSpiffeWorkloadApi_ReturnsTheWorkloadProto()
    {
        var described = await RunNodeAsync(Server.SocketPath, "DescribeSymbol", ["SpiffeWorkloadAPI"]);

        var files = Message(described[0]).GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToArray();
        Assert.Contains(files, f => f.EndsWith("workload.proto", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StatusMessage_WithPercentAndNonAsciiText_ArrivesIntact()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        var token = Message((await RunNodeAsync(Server.SocketPath, "FetchJWTSVID", ["tool-api"]))[0]).GetProperty("svids")[0].GetProperty("svid").GetString()!;

        var status = Status(await RunNodeAsync(Server.SocketPath, "ValidateJWTSVID", ["100% sure: ünïcode", token]));

        Assert.Equal("INVALID_ARGUMENT", status.GetProperty("name").GetString());
        Assert.EndsWith("does not include any expected audience [100% sure: ünïcode]", status.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchX509Svid_WhenNoEntryMatches_IsPermissionDeniedNoIdentityIssued()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/other", ["unix:uid:4242"]));

        var status = Status(await RunNodeAsync(Server.SocketPath, "FetchX509SVID"));

        Assert.Equal("PERMISSION_DENIED", status.GetProperty("name").GetString());
        Assert.Equal("no identity issued", status.GetProperty("details").GetString());
    }

    [Fact]
    public async Task FetchX509Svid_MatchingCaller_GetsSvidWithItsKeyChainingToTheBundle()
    {
        using var foreign = TestCertificates.CreateRootCa("spiffe://other.org");
        Server.Cache.ForeignX509Bundles["spiffe://other.org"] = foreign.RawData;
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector], hint: "internal"));

        await using var client = NodeWorkloadClient.Start(Server.SocketPath, "FetchX509SVID", ["--count", "1"]);
        var body = Message(await client.NextAsync());

        var svids = body.GetProperty("svids");
        Assert.Equal(1, svids.GetArrayLength());
        var svid = svids[0];
        Assert.Equal("spiffe://example.org/web", svid.GetProperty("spiffe_id").GetString());
        Assert.Equal("internal", svid.GetProperty("hint").GetString());

        var chain = DerCertificates.Split(Bytes(svid, "x509_svid"));
        var leaf = Assert.Single(chain);
        Assert.Equal(["spiffe://example.org/web"], UriSanReader.ReadUris(leaf));

        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Bytes(svid, "x509_svid_key"), out _);
        using var withKey = leaf.CopyWithPrivateKey(key); // throws unless the key is the certificate's
        var signature = key.SignData("proof"u8, HashAlgorithmName.SHA256);
        using var publicKey = leaf.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData("proof"u8, signature, HashAlgorithmName.SHA256));

        var bundle = DerCertificates.Split(Bytes(svid, "bundle"));
        Assert.Equal(Td.RootCa.RawData, Assert.Single(bundle).RawData);
        using var x509Chain = new X509Chain();
        x509Chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        x509Chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        x509Chain.ChainPolicy.CustomTrustStore.AddRange(bundle.ToArray());
        Assert.True(x509Chain.Build(leaf), string.Join("; ", x509Chain.ChainStatus.Select(s => s.StatusInformation)));

        // Only foreign trust domains go in federated_bundles; the own one is in each SVID's bundle.
        var federated = body.GetProperty("federated_bundles");
        Assert.Equal(["spiffe://other.org"], federated.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(foreign.RawData, Convert.FromBase64String(federated.GetProperty("spiffe://other.org").GetString()!));
    }

    [Fact]
    public async Task FetchX509Svid_FromAnotherUid_GetsThatUidsIdentityOnly()
    {
        var nobody = Users.UidOf("nobody");
        Server.Cache.Publish(
            Td.MintSvid("parent", "/parent", [UidSelector]),
            Td.MintSvid("child", "/nobody", [$"unix:uid:{nobody}"]));

        var lines = await RunNodeAsync(Server.SocketPath, "FetchX509SVID", ["--count", "1"], runAs: LocalUser.Named("nobody"));

        var ids = Message(lines[0]).GetProperty("svids").EnumerateArray().Select(s => s.GetProperty("spiffe_id").GetString()!).ToArray();
        Assert.Equal(["spiffe://example.org/nobody"], ids);
        Assert.Contains(Server.Attestation.Seen, p => p.UserId == nobody);
    }

    [Fact]
    public async Task FetchX509Svid_WhenTheCacheChanges_StreamsTheNewSvidAndSkipsIdenticalSnapshots()
    {
        var first = Td.MintSvid("e1", "/web", [UidSelector]);
        Server.Cache.Publish(first);
        await using var client = NodeWorkloadClient.Start(Server.SocketPath, "FetchX509SVID", ["--count", "2"]);
        var before = Bytes(Message(await client.NextAsync()).GetProperty("svids")[0], "x509_svid");
        Assert.Equal(first.ChainDer, before);

        Server.Cache.Publish(first); // a new version that changes nothing for this caller
        Server.Cache.Publish(first, Td.MintSvid("e2", "/someone-else", ["unix:uid:4242"]));
        var rotated = Td.MintSvid("e1", "/web", [UidSelector]);
        Server.Cache.Publish(rotated);

        var after = Bytes(Message(await client.NextAsync()).GetProperty("svids")[0], "x509_svid");
        Assert.Equal(rotated.ChainDer, after);
    }

    [Fact]
    public async Task FetchX509Svid_WhenTheIdentityIsRemoved_EndsWithPermissionDenied()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        await using var client = NodeWorkloadClient.Start(Server.SocketPath, "FetchX509SVID");
        Message(await client.NextAsync());

        Server.Cache.Publish(Td.MintSvid("e2", "/other", ["unix:uid:4242"]));

        var status = await client.NextAsync();
        Assert.Equal("PERMISSION_DENIED", status.GetProperty("name").GetString());
        Assert.Equal("no identity issued", status.GetProperty("details").GetString());
    }

    [Fact]
    public async Task FetchX509Svid_WithDuplicateHints_KeepsTheOldestEntryAndAllEmptyHints()
    {
        var old = DateTimeOffset.UnixEpoch.AddDays(1);
        Server.Cache.Publish(
            Td.MintSvid("new", "/new", [UidSelector], hint: "external", entryCreatedAt: old.AddDays(1)),
            Td.MintSvid("a", "/a", [UidSelector]),
            Td.MintSvid("old", "/old", [UidSelector], hint: "external", entryCreatedAt: old),
            Td.MintSvid("b", "/b", [UidSelector]));

        var lines = await RunNodeAsync(Server.SocketPath, "FetchX509SVID", ["--count", "1"]);

        var ids = Message(lines[0]).GetProperty("svids").EnumerateArray().Select(s => s.GetProperty("spiffe_id").GetString()!).ToArray();
        Assert.Equal(["spiffe://example.org/a", "spiffe://example.org/old", "spiffe://example.org/b"], ids);
    }

    [Fact]
    public async Task FetchX509Svid_BeforeTheFirstSync_IsUnavailable()
    {
        var status = Status(await RunNodeAsync(Server.SocketPath, "FetchX509SVID"));

        Assert.Equal("UNAVAILABLE", status.GetProperty("name").GetString());
    }

    [Fact]
    public async Task FetchX509Svid_WhenTheServerStops_EndsWithUnavailable()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        await using var client = NodeWorkloadClient.Start(Server.SocketPath, "FetchX509SVID");
        Message(await client.NextAsync());

        await Server.StopAsync();

        var status = await client.NextAsync();
        Assert.Equal("UNAVAILABLE", status.GetProperty("name").GetString());
    }

    [Fact]
    public async Task FetchJwtSvid_ThenValidateJwtSvid_RoundTrips()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector], hint: "internal"));

        var fetched = Message((await RunNodeAsync(Server.SocketPath, "FetchJWTSVID", ["tool-api"]))[0]);
        var svid = Assert.Single(fetched.GetProperty("svids").EnumerateArray());
        Assert.Equal("spiffe://example.org/web", svid.GetProperty("spiffe_id").GetString());
        Assert.Equal("internal", svid.GetProperty("hint").GetString());
        var token = svid.GetProperty("svid").GetString()!;

        var validated = Message((await RunNodeAsync(Server.SocketPath, "ValidateJWTSVID", ["tool-api", token]))[0]);
        Assert.Equal("spiffe://example.org/web", validated.GetProperty("spiffe_id").GetString());
        var claims = validated.GetProperty("claims");
        Assert.Equal("spiffe://example.org/web", claims.GetProperty("sub").GetString());
        Assert.Equal("tool-api", claims.GetProperty("aud")[0].GetString());
        Assert.Equal(JsonValueKind.Number, claims.GetProperty("exp").ValueKind);

        var wrongAudience = Status(await RunNodeAsync(Server.SocketPath, "ValidateJWTSVID", ["another-api", token]));
        Assert.Equal("INVALID_ARGUMENT", wrongAudience.GetProperty("name").GetString());
        Assert.Contains("does not include any expected audience", wrongAudience.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FetchJWTSVID", new string[0], "INVALID_ARGUMENT", "audience must be specified")]
    [InlineData("FetchJWTSVID", new[] { "aud", "spiffe://example.org/not-mine" }, "PERMISSION_DENIED", "no identity issued")]
    [InlineData("FetchJWTSVID", new[] { "aud", "spiffe://Example.org/web" }, "INVALID_ARGUMENT", "invalid requested SPIFFE ID: ")]
    [InlineData("ValidateJWTSVID", new string[0], "INVALID_ARGUMENT", "audience must be specified")]
    [InlineData("ValidateJWTSVID", new[] { "aud" }, "INVALID_ARGUMENT", "svid must be specified")]
    [InlineData("ValidateJWTSVID", new[] { "aud", "not.a.jwt" }, "INVALID_ARGUMENT", "token header is not")]
    public async Task JwtMethods_WithBadArguments_FailWithTheStatusTheContractNames(string method, string[] args, string code, string details)
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));

        var status = Status(await RunNodeAsync(Server.SocketPath, method, args));

        Assert.Equal(code, status.GetProperty("name").GetString());
        Assert.StartsWith(details, status.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchJwtSvid_WhenTheIssuerIsUnreachable_IsUnavailable()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        Server.Cache.IssuerUnreachable = true;

        var status = Status(await RunNodeAsync(Server.SocketPath, "FetchJWTSVID", ["aud"]));

        Assert.Equal("UNAVAILABLE", status.GetProperty("name").GetString());
        Assert.StartsWith("could not fetch JWT-SVID", status.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchJwtSvid_WithARequestLargerThanTheStreamWindow_IsResourceExhaustedBeforeTheDeadline()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));

        // 5 MB: over the 4 MiB default limit and far over HTTP/2's flow-control windows.
        var status = Status(await RunNodeAsync(Server.SocketPath, "FetchJWTSVID", ["--audience-bytes", "5242880", "--deadline-ms", "20000"]));

        Assert.Equal("RESOURCE_EXHAUSTED", status.GetProperty("name").GetString());
        Assert.Contains("exceeds the limit of 4194304 bytes", status.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchJwtSvid_WithAHugeAudience_IsInvalidArgumentNamingTheLimitAndTheAudienceIsNotLogged()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));

        // 2 MB: within the 4 MiB message limit and larger than HTTP/2's stream window.
        var status = Status(await RunNodeAsync(Server.SocketPath, "FetchJWTSVID", ["--audience-bytes", "2097152", "--deadline-ms", "20000"]));

        Assert.Equal("INVALID_ARGUMENT", status.GetProperty("name").GetString());
        Assert.Equal("audience 1 is 2097152 characters long; at most 256 are allowed", status.GetProperty("details").GetString());
        Assert.DoesNotContain(Server.Logs.Entries, e => e.Message.Contains(new string('a', 257), StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchJwtSvid_WithTooManyAudiences_IsInvalidArgumentNamingTheLimit()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));

        var args = Enumerable.Range(0, 33).SelectMany(i => new[] { "--audience", $"aud-{i}" });
        var status = Status(await RunNodeAsync(Server.SocketPath, "FetchJWTSVID", args));

        Assert.Equal("INVALID_ARGUMENT", status.GetProperty("name").GetString());
        Assert.Equal("33 audiences requested; at most 32 are allowed", status.GetProperty("details").GetString());
    }

    [Fact]
    public async Task FetchJwtSvid_WithLongAudiencesWithinTheLimits_LogsThemShortened()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        var audiences = Enumerable.Range(0, 32).Select(i => $"{i:00}" + new string('x', 254)).ToArray();

        var fetched = await NodeWorkloadClient.RunAsync(Server.SocketPath, "FetchJWTSVID", audiences.SelectMany(a => new[] { "--audience", a }));

        Assert.Equal("OK", fetched.StatusName);
        var issued = Assert.Single(Server.Logs.Entries, e => e.Message.StartsWith("JWT-SVID spiffe://example.org/web for audience", StringComparison.Ordinal));
        Assert.DoesNotContain(audiences[0], issued.Message, StringComparison.Ordinal);
        Assert.Contains("(32 audiences)", issued.Message, StringComparison.Ordinal);
        Assert.True(issued.Message.Length < 600, issued.Message);
    }

    [Fact]
    public async Task FetchJwtSvid_WhenTheCacheRefusesMoreNewAudiences_IsResourceExhaustedNamingTheSetting()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));
        Server.Cache.RateLimited = true;

        var status = Status(await RunNodeAsync(Server.SocketPath, "FetchJWTSVID", ["aud"]));

        Assert.Equal("RESOURCE_EXHAUSTED", status.GetProperty("name").GetString());
        Assert.Contains("Agent:NewJwtAudiencesPerMinute", status.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BundleStreams_DeliverTheOwnTrustDomainKeyedByItsId()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));

        var x509 = Message((await RunNodeAsync(Server.SocketPath, "FetchX509Bundles", ["--count", "1"]))[0]);
        var x509Bundles = x509.GetProperty("bundles");
        Assert.Equal(Td.RootCa.RawData, Convert.FromBase64String(x509Bundles.GetProperty("spiffe://example.org").GetString()!));

        var jwt = Message((await RunNodeAsync(Server.SocketPath, "FetchJWTBundles", ["--count", "1"]))[0]);
        var jwks = Convert.FromBase64String(jwt.GetProperty("bundles").GetProperty("spiffe://example.org").GetString()!);
        using var document = JsonDocument.Parse(jwks);
        var key = Assert.Single(document.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(Td.JwtKeyId, key.GetProperty("kid").GetString());
        Assert.False(key.TryGetProperty("use", out _));
    }

    [Fact]
    public async Task BundleStreams_ForCallerWithoutIdentity_ArePermissionDenied()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/other", ["unix:uid:4242"]));

        foreach (var method in new[] { "FetchX509Bundles", "FetchJWTBundles" })
        {
            var status = Status(await RunNodeAsync(Server.SocketPath, method));
            Assert.Equal("PERMISSION_DENIED", status.GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task UnknownMethod_IsUnimplemented()
    {
        Server.Cache.Publish(Td.MintSvid("e1", "/web", [UidSelector]));

        var status = Status(await RunNodeAsync(Server.SocketPath, "FetchWITSVID"));

        Assert.Equal("UNIMPLEMENTED", status.GetProperty("name").GetString());
    }

    [Fact]
    public void Socket_IsWorldWritableInsideAWorldReadableDirectory()
    {
        Assert.Equal((UnixFileMode)0x1FF, File.GetUnixFileMode(Server.SocketPath)); // 0777
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.GetDirectoryName(Server.SocketPath)!)); // 0755
    }

    private static async Task<IReadOnlyList<JsonElement>> RunNodeAsync(string socketPath, string method, IEnumerable<string>? args = null, LocalUser? runAs = null) =>
        (await NodeWorkloadClient.RunAsync(socketPath, method, args, runAs)).Lines;

    private static JsonElement Status(IReadOnlyList<JsonElement> lines)
    {
        var last = lines[^1];
        Assert.Equal("status", last.GetProperty("type").GetString());
        return last;
    }

    private static JsonElement Message(JsonElement line)
    {
        Assert.True(line.GetProperty("type").GetString() == "message", $"expected a message, got {line}");
        return line.GetProperty("body");
    }

    private static byte[] Bytes(JsonElement element, string name) => Convert.FromBase64String(element.GetProperty(name).GetString()!);
}
