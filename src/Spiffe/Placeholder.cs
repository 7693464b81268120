namespace IdentityIssuer.Spiffe;

internal static class AssemblyMarker
{
}
