using IdentityIssuer.Spiffe;

namespace IdentityIssuer.Gateway.Identity;

/// <summary>Who called, from the client certificate. Fails closed: only a validated SVID has <see cref="IsValid"/>.</summary>
public sealed class CallerValidationResult
{
    private CallerValidationResult(bool isValid, bool isMissing, SpiffeId? id, string serial, string error)
    {
        IsValid = isValid;
        IsMissing = isMissing;
        Id = id;
        Serial = serial;
        Error = error;
    }

    public bool IsValid { get; }

    /// <summary>True when the caller sent no certificate at all.</summary>
    public bool IsMissing { get; }

    /// <summary>The caller's SPIFFE ID; null unless valid.</summary>
    public SpiffeId? Id { get; }

    /// <summary>The leaf's serial (lower-case hex); empty when there was no certificate.</summary>
    public string Serial { get; }

    /// <summary>Why the certificate was refused; empty when valid.</summary>
    public string Error { get; }

    internal static CallerValidationResult Missing { get; } = new(false, true, null, string.Empty, "no client certificate");

    internal static CallerValidationResult Valid(SpiffeId id, string serial) => new(true, false, id, serial, string.Empty);

    internal static CallerValidationResult Invalid(string serial, string error) => new(false, false, null, serial, error);
}
