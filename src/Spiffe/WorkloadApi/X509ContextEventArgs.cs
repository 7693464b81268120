namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>The context an <see cref="X509Source"/> has just received.</summary>
public sealed class X509ContextEventArgs(X509Context context) : EventArgs
{
    public X509Context Context { get; } = context;
}
