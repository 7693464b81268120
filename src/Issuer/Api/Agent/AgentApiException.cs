using Microsoft.AspNetCore.Http;

namespace IdentityIssuer.Issuer.Api.Agent;

/// <summary>An expected refusal of an agent API request: its HTTP status and a message the agent can act on.</summary>
internal sealed class AgentApiException : Exception
{
    public AgentApiException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    public AgentApiException()
        : this(StatusCodes.Status400BadRequest, "bad request")
    {
    }

    public AgentApiException(string message)
        : this(StatusCodes.Status400BadRequest, message)
    {
    }

    public AgentApiException(string message, Exception innerException)
        : base(message, innerException) => StatusCode = StatusCodes.Status400BadRequest;

    /// <summary>400, 401, 403, 429 or 503.</summary>
    public int StatusCode { get; }

    public static AgentApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static AgentApiException Unauthenticated(string message) => new(StatusCodes.Status401Unauthorized, message);

    public static AgentApiException Forbidden(string message) => new(StatusCodes.Status403Forbidden, message);

    public static AgentApiException TooManyRequests(string message) => new(StatusCodes.Status429TooManyRequests, message);

    public static AgentApiException Unavailable(string message) => new(StatusCodes.Status503ServiceUnavailable, message);
}
