using System.Text.Json;

namespace IdentityIssuer.Spiffe;

/// <summary>
/// JSON reading for security decisions: a duplicate property anywhere in a document is an error, so
/// two readers (a validator and the component behind it) can never take different values of one key.
/// </summary>
public static class StrictJson
{
    /// <summary>Options that refuse duplicate properties at every depth.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { AllowDuplicateProperties = false };
}
