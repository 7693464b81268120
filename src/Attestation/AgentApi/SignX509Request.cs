namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>Batch signing: one CSR (base64 DER) per entry.</summary>
public sealed record SignX509Request(IReadOnlyList<SignX509Item> Items);

/// <summary>One CSR for one entry the agent is authorized for.</summary>
public sealed record SignX509Item(string EntryId, string Csr);
