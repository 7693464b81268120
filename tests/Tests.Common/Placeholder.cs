namespace IdentityIssuer.Tests.Common;

internal static class AssemblyMarker
{
}
