using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Ops.Metrics;

/// <summary>Checks the <c>Telemetry</c> section and reports every problem at once.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var errors = new List<string>();
        var otlp = options.Otlp;
        if (!string.IsNullOrEmpty(otlp.Endpoint) && !IsHttpUrl(otlp.Endpoint))
        {
            errors.Add($"Telemetry:Otlp:Endpoint must be an absolute http or https URL such as http://collector:4318/v1/metrics (got '{otlp.Endpoint}')");
        }

        if (otlp.Protocol is not (TelemetryOtlpOptions.HttpProtobuf or TelemetryOtlpOptions.Grpc))
        {
            errors.Add($"Telemetry:Otlp:Protocol must be '{TelemetryOtlpOptions.HttpProtobuf}' or '{TelemetryOtlpOptions.Grpc}' (got '{otlp.Protocol}')");
        }

        if (otlp.ExportInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Telemetry:Otlp:ExportInterval must be at least 00:00:01 (got '{otlp.ExportInterval}')");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;
}
