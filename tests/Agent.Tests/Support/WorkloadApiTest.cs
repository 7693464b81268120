namespace IdentityIssuer.Agent.Tests.Support;

/// <summary>
/// A real Workload API server on a temporary Unix socket, backed by an in-memory cache of SVIDs from a
/// test trust domain; <see cref="UidSelector"/> is the selector the test process itself matches.
/// </summary>
public abstract class WorkloadApiTest : IAsyncLifetime
{
    internal TestTrustDomain Td { get; } = new();

    internal WorkloadApiTestServer Server { get; private set; } = null!;

    /// <summary><c>unix:uid:N</c> for the test process's own uid.</summary>
    protected string UidSelector { get; } = $"unix:uid:{Users.CurrentUid()}";

    /// <summary>More configuration of the server (none by default).</summary>
    protected virtual IReadOnlyDictionary<string, string?> ServerSettings { get; } = new Dictionary<string, string?>();

    public async Task InitializeAsync() => Server = await WorkloadApiTestServer.StartAsync(Td, ServerSettings);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Td.Dispose();
    }
}
