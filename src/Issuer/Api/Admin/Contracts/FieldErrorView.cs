namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>One invalid field.</summary>
public sealed record FieldErrorView(string Field, string Message);
