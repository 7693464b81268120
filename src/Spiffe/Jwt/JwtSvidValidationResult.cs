using System.Text.Json;

namespace IdentityIssuer.Spiffe.Jwt;

/// <summary>
/// The outcome of <see cref="JwtSvidValidator.Validate"/>. Fails closed: only a token that passed
/// every check has <see cref="IsValid"/> = true and a non-null <see cref="Id"/>.
/// </summary>
public sealed class JwtSvidValidationResult
{
    private JwtSvidValidationResult(
        bool isValid,
        string error,
        SpiffeId? id,
        IReadOnlyList<string> audience,
        DateTimeOffset expiresAt,
        JsonElement claims)
    {
        IsValid = isValid;
        Error = error;
        Id = id;
        Audience = audience;
        ExpiresAt = expiresAt;
        Claims = claims;
    }

    public bool IsValid { get; }

    /// <summary>Why validation failed; empty when valid.</summary>
    public string Error { get; }

    /// <summary>The token's subject; null unless valid.</summary>
    public SpiffeId? Id { get; }

    /// <summary>The token's <c>aud</c> values (a single-string <c>aud</c> becomes one element); empty unless valid.</summary>
    public IReadOnlyList<string> Audience { get; }

    /// <summary>The token's <c>exp</c>; default unless valid.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The whole claims object (a detached clone); an undefined element unless valid.</summary>
    public JsonElement Claims { get; }

    internal static JwtSvidValidationResult Success(SpiffeId id, IReadOnlyList<string> audience, DateTimeOffset expiresAt, JsonElement claims) =>
        new(true, string.Empty, id, audience, expiresAt, claims);

    internal static JwtSvidValidationResult Failure(string error) =>
        new(false, error, null, [], default, default);
}
