using System.Text.Json;

namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>The Workload API's answer to ValidateJWTSVID: the token's SPIFFE ID and all of its claims.</summary>
public sealed record ValidatedJwtSvid(SpiffeId Id, JsonElement Claims);
