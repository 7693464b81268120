namespace IdentityIssuer.Spiffe.Tests;

internal static class AssemblyMarker
{
}
