namespace IdentityIssuer.Issuer.Tests.KeyManagement;

/// <summary>
/// Tests that load the SoftHSM2 module into the test process. SoftHSM reads SOFTHSM2_CONF when the
/// module is initialised, and a process initialises a module once, so these tests run one at a time
/// (each on its own token, in its own directory) and never beside each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoftHsmCollection
{
    public const string Name = "SoftHSM2 module in the test process";
}
