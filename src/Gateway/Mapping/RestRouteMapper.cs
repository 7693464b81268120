using System.Globalization;
using System.Text.RegularExpressions;
using IdentityIssuer.Gateway.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace IdentityIssuer.Gateway.Mapping;

/// <summary>
/// Maps REST requests to tool calls with the configured <c>Routes</c>, first match wins. A template's
/// <c>{name}</c> is a route value of <c>Path</c>, <c>{query.name}</c> a query parameter (empty when absent).
/// </summary>
internal sealed partial class RestRouteMapper
{
    private readonly IReadOnlyList<CompiledRoute> _routes;

    private RestRouteMapper(IReadOnlyList<CompiledRoute> routes) => _routes = routes;

    /// <summary>Compiles the routes; <paramref name="errors"/> names each bad key (<c>Routes:0:Path</c>).</summary>
    public static RestRouteMapper Create(IReadOnlyList<ToolRouteOptions> routes, List<string> errors)
    {
        var compiled = new List<CompiledRoute>();
        for (var i = 0; i < routes.Count; i++)
        {
            var key = "Routes:" + i.ToString(CultureInfo.InvariantCulture);
            var route = routes[i];
            RouteTemplate? template = null;
            try
            {
                template = TemplateParser.Parse(route.Path);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{key}:Path: '{route.Path}' is not a route template: {ex.Message}");
            }

            if (!route.Path.StartsWith('/'))
            {
                errors.Add($"{key}:Path: must start with /");
            }

            foreach (var method in route.Methods.Where(m => m.Length == 0 || !m.All(char.IsAsciiLetterUpper)))
            {
                errors.Add($"{key}:Methods: '{method}' is not an upper-case HTTP method");
            }

            var parameters = template?.Parameters.Select(p => p.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
            foreach (var (name, value) in new[] { ("Tool", route.Tool), ("Action", route.Action), ("Target", route.Target) })
            {
                if (name != "Target" && value.Length == 0)
                {
                    errors.Add($"{key}:{name}: required");
                }

                foreach (Match m in Placeholder().Matches(value))
                {
                    var reference = m.Groups[1].Value;
                    if (!reference.StartsWith("query.", StringComparison.Ordinal) && !parameters.Contains(reference))
                    {
                        errors.Add($"{key}:{name}: '{{{reference}}}' is neither a parameter of '{route.Path}' nor {{query.NAME}}");
                    }
                }
            }

            if (template is not null)
            {
                compiled.Add(new CompiledRoute(route, new TemplateMatcher(template, new RouteValueDictionary())));
            }
        }

        return new RestRouteMapper(compiled);
    }

    /// <summary>The tool call of the first route that matches, or null.</summary>
    public ToolCall? Map(HttpRequest request)
    {
        foreach (var route in _routes)
        {
            if (route.Options.Methods.Count > 0 && !route.Options.Methods.Contains(request.Method, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var values = new RouteValueDictionary();
            if (!route.Matcher.TryMatch(request.Path, values))
            {
                continue;
            }

            return new ToolCall(Expand(route.Options.Tool, values, request.Query), Expand(route.Options.Action, values, request.Query), Expand(route.Options.Target, values, request.Query));
        }

        return null;
    }

    private static string Expand(string template, RouteValueDictionary values, IQueryCollection query) =>
        Placeholder().Replace(template, m =>
        {
            var name = m.Groups[1].Value;
            return name.StartsWith("query.", StringComparison.Ordinal)
                ? query[name["query.".Length..]].ToString()
                : Convert.ToString(values[name], CultureInfo.InvariantCulture) ?? string.Empty;
        });

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Placeholder();

    private sealed record CompiledRoute(ToolRouteOptions Options, TemplateMatcher Matcher);
}
