namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>A JWT-SVID handed out by the Workload API: its SPIFFE ID, the compact token and the operator's hint.</summary>
public sealed record WorkloadJwtSvid(SpiffeId Id, string Token, string Hint)
{
    /// <summary>The token is a bearer credential: never printed.</summary>
    public override string ToString() => $"JWT-SVID {Id}{(Hint.Length > 0 ? $" ({Hint})" : string.Empty)}";
}
