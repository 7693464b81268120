using System.Security.Cryptography.X509Certificates;

namespace IdentityIssuer.Spiffe.X509;

/// <summary>
/// The outcome of <see cref="X509SvidValidator.Validate"/>. Fails closed: only a fully validated
/// chain yields <see cref="IsValid"/> = true and a non-null <see cref="Id"/>.
/// </summary>
public sealed class X509SvidValidationResult
{
    private X509SvidValidationResult(bool isValid, string error, SpiffeId? id, IReadOnlyList<X509Certificate2> verifiedChain)
    {
        IsValid = isValid;
        Error = error;
        Id = id;
        VerifiedChain = verifiedChain;
    }

    public bool IsValid { get; }

    /// <summary>Why validation failed; empty when valid.</summary>
    public string Error { get; }

    /// <summary>The validated SPIFFE ID; null unless valid.</summary>
    public SpiffeId? Id { get; }

    /// <summary>The verified path from the leaf to a bundle authority; empty unless valid.</summary>
    public IReadOnlyList<X509Certificate2> VerifiedChain { get; }

    internal static X509SvidValidationResult Success(SpiffeId id, IReadOnlyList<X509Certificate2> verifiedChain) =>
        new(true, string.Empty, id, verifiedChain);

    internal static X509SvidValidationResult Failure(string error) => new(false, error, null, []);
}
