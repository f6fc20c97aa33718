using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace TargetTracking.AspNetCore;

/// <summary>
/// Turns the two failures a client should read as problem details instead of a 500: a request the framework could not
/// bind (malformed JSON, an unknown property, a wrong type, a query value that is not a number) is a 400 with the
/// field, and a store still unavailable after the library's retries is a 503 with <c>Retry-After</c>.
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    /// <summary>The seconds a client is told to wait before retrying when the store is unavailable.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException bad => TargetProblems.ToProblemDetails(BadRequest(bad)),
            TargetStoreUnavailableException unavailable => Unavailable(httpContext, unavailable),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false);
    }

    private static InvalidInputError BadRequest(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            // System.Text.Json names an unmapped property only in its message; every other JSON error has a path.
            if (UnmappedProperty().Match(json.Message) is { Success: true } unmapped)
            {
                return TargetProblems.Invalid(unmapped.Groups["name"].Value, $"Unknown property '{unmapped.Groups["name"].Value}'. Check its spelling.");
            }

            var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            return TargetProblems.Invalid(field, $"The body is not valid JSON here, or the value has the wrong type: {json.Message}");
        }

        if (BindFailure().Match(bad.Message) is { Success: true } parameter)
        {
            // [AsParameters] records name the property (Skip); the query string has the parameter (skip).
            var name = JsonNamingPolicy.CamelCase.ConvertName(parameter.Groups["name"].Value);
            return TargetProblems.Invalid(name, $"'{parameter.Groups["value"].Value}' is not a valid value for {name}.");
        }

        return TargetProblems.Invalid("body", bad.Message);
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails Unavailable(HttpContext httpContext, TargetStoreUnavailableException unavailable)
    {
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problem = TargetProblems.Problem(
            StatusCodes.Status503ServiceUnavailable,
            TargetProblems.StoreUnavailable,
            "The store is unavailable",
            $"The database did not answer after {unavailable.Attempts} attempts. Nothing was written unless said otherwise; try again in a few seconds.");
        problem.Extensions["attempts"] = unavailable.Attempts;
        problem.Extensions["commitOutcomeUnknown"] = unavailable.CommitOutcomeUnknown;
        return problem;
    }

    [GeneratedRegex("The JSON property '(?<name>[^']*)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex("Failed to bind parameter \"[^\"]* (?<name>[^\" ]+)\" from \"(?<value>[^\"]*)\"")]
    private static partial Regex BindFailure();
}
