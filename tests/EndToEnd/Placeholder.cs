namespace IdentityIssuer.EndToEnd;

internal static class AssemblyMarker
{
}
