namespace IdentityIssuer.Spiffe.WorkloadApi;

/// <summary>How an <see cref="X509Source"/> reconnects after its watch stream fails.</summary>
public sealed class X509SourceOptions
{
    /// <summary>The first wait before reconnecting; doubled after each failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between reconnects.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock used for the waits.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
