using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TargetTracking.AspNetCore;

/// <summary>The OpenAPI description of an endpoint's answers, written the same way everywhere.</summary>
internal static class EndpointMetadata
{
    /// <summary>
    /// Declares the problem answers of an endpoint (<c>400</c> as validation problem details, the others as problem details),
    /// and the <c>503</c> every endpoint gives when the store stays unavailable after the retries.
    /// </summary>
    public static RouteHandlerBuilder Problems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder = status == StatusCodes.Status400BadRequest ? builder.ProducesValidationProblem() : builder.ProducesProblem(status);
        }

        return builder.ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }
}
