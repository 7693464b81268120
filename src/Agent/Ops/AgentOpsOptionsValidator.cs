using System.Net;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Agent.Ops;

/// <summary>Checks the agent's <c>Ops</c> section at start, reporting every problem with its key.</summary>
internal sealed class AgentOpsOptionsValidator : IValidateOptions<AgentOpsOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOpsOptions options)
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
        {
            errors.Add($"Ops:Address must be an IP address such as 127.0.0.1 (got '{options.Address}')");
        }

        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"Ops:Port must be 0 (off) or a TCP port 1-65535 (got {options.Port})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
