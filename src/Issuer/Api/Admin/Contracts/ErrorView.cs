namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>Why a request failed: a summary and, for invalid input, each field with its problem.</summary>
public sealed record ErrorView(string Error, IReadOnlyList<FieldErrorView>? Errors = null);
