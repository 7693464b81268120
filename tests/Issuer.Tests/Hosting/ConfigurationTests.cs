using IdentityIssuer.Issuer.Hosting;
using IdentityIssuer.Tests.Common.Processes;

namespace IdentityIssuer.Issuer.Tests.Hosting;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _directory = FreePort.ShortTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_directory, "issuer.json");
        File.WriteAllText(path, json);
        return path;
    }

    private string BuildFailure(params string[] overrides)
    {
        var configuration = IssuerHost.LoadConfiguration(null, [$"--Issuer:DataDirectory={_directory}", $"--Ops:Port={FreePort.Next()}", $"--BundleEndpoint:Port={FreePort.Next()}", .. overrides]);
        var error = Assert.Throws<ConfigurationException>(() => IssuerHost.Build(configuration));
        Assert.StartsWith("invalid configuration: ", error.Message, StringComparison.Ordinal);
        return error.Message;
    }

    [Fact]
    public void Load_WhenFileIsNotJson_FailsNamingTheFile()
    {
        var path = Write("{ \"Issuer\": { \"TrustDomain\": ");

        var error = Assert.Throws<ConfigurationException>(() => IssuerHost.LoadConfiguration(path, []));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WhenFileIsMissing_FailsNamingTheFile()
    {
        var error = Assert.Throws<ConfigurationException>(() => IssuerHost.LoadConfiguration(Path.Combine(_directory, "nope.json"), []));

        Assert.Contains("nope.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithMisspeltKeys_FailsNamingEachOne()
    {
        var path = Write("""{ "Issuer": { "TrustDomian": "x" }, "Cq": { }, "Datastore": { "Provider": "sqlite" } }""");

        var error = Assert.Throws<ConfigurationException>(() => IssuerHost.LoadConfiguration(path, []));

        Assert.Contains("Issuer:TrustDomian", error.Message, StringComparison.Ordinal);
        Assert.Contains("Cq", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithInvalidValues_FailsNamingEveryKey()
    {
        var failures = BuildFailure("--Issuer:TrustDomain=Example.ORG", "--Ca:KeyType=dsa-1024", "--Issuer:DefaultX509SvidTtl=00:00:01");

        Assert.Contains("Issuer:TrustDomain", failures, StringComparison.Ordinal);
        Assert.Contains("Ca:KeyType", failures, StringComparison.Ordinal);
        Assert.Contains("Issuer:DefaultX509SvidTtl", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithBadTelemetrySettings_FailsNamingEachOne()
    {
        var failures = BuildFailure("--Telemetry:Otlp:Endpoint=collector:4318", "--Telemetry:Otlp:Protocol=udp", "--Telemetry:Otlp:ExportInterval=00:00:00.5");

        Assert.Contains("Telemetry:Otlp:Endpoint must be an absolute http or https URL", failures, StringComparison.Ordinal);
        Assert.Contains("'collector:4318'", failures, StringComparison.Ordinal);
        Assert.Contains("Telemetry:Otlp:Protocol", failures, StringComparison.Ordinal);
        Assert.Contains("Telemetry:Otlp:ExportInterval", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithAMisspeltTelemetryKey_FailsNamingIt()
    {
        var error = Assert.Throws<ConfigurationException>(() => IssuerHost.LoadConfiguration(null, ["--Telemetry:Otlp:Endpiont=http://collector:4318/v1/metrics"]));

        Assert.Contains("Telemetry:Otlp:Endpiont", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithUnknownDatastoreProvider_FailsNamingTheKey()
    {
        var failures = BuildFailure("--Datastore:Provider=mysql");

        Assert.Contains("Datastore:Provider", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithBadListenerSettings_FailsNamingTheKeys()
    {
        var failures = BuildFailure("--BundleEndpoint:Profile=https_magic", "--AdminApi:SocketMode=0999");

        Assert.Contains("BundleEndpoint:Profile", failures, StringComparison.Ordinal);
        Assert.Contains("AdminApi:SocketMode", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleConfiguration_InDeploy_LoadsWithoutUnknownKeys()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "IdentityIssuer.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        var configuration = IssuerHost.LoadConfiguration(Path.Combine(root, "deploy", "issuer.sample.json"), []);

        Assert.Equal("postgres", configuration["Datastore:Provider"]);
    }
}
