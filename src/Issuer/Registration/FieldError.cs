namespace IdentityIssuer.Issuer.Registration;

/// <summary>One problem with a request: the field (as named in the API and CLI) and what is wrong with it.</summary>
public sealed record FieldError(string Field, string Message)
{
    /// <summary><c>field: message</c>.</summary>
    public override string ToString() => $"{Field}: {Message}";
}
