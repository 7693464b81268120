namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>Batch signing: one CSR (base64 DER) per entry.</summary>
public sealed record SignX509Request(IReadOnlyList<SignX509Item> Items);

/// <summary>
/// One CSR for one entry the agent is authorized for. <see cref="WorkloadSelectors"/> (optional, for the
/// issuance record only, never for authorization): the selectors (<c>type:value</c>) of the workload the
/// agent last served this entry's SVID to; empty when no workload has asked for it yet; absent (null)
/// from agents that do not report them. At most 64 selectors, 8192 characters in all.
/// </summary>
public sealed record SignX509Item(string EntryId, string Csr, IReadOnlyList<string>? WorkloadSelectors = null);
