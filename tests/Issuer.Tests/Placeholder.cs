namespace IdentityIssuer.Issuer.Tests;

internal static class AssemblyMarker
{
}
