using IdentityIssuer.Issuer.Datastore;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>The entries one agent is authorized for, as of store revision <see cref="Revision"/>.</summary>
internal sealed record AuthorizedEntrySet(long Revision, IReadOnlyDictionary<string, RegistrationEntry> Entries);
