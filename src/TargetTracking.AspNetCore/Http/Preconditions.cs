using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace TargetTracking.AspNetCore;

/// <summary>
/// Concurrency in HTTP terms, in one place: a target's <c>ETag</c> is its version; a write names the version it read in
/// <c>If-Match</c> (or <c>expectedVersion</c>, unless <see cref="TargetTrackingEndpointOptions.RequireIfMatch"/>); a stale
/// <c>If-Match</c> is <c>412 Precondition Failed</c> with the current target in the problem and its <c>ETag</c>.
/// </summary>
internal sealed class Preconditions(IOptions<TargetTrackingEndpointOptions> options)
{
    /// <summary>The strong ETag of a version.</summary>
    public static string ETag(long version) => $"\"{version}\"";

    /// <summary>
    /// Checks that the request names exactly one version: in <c>If-Match</c>, in the body or query, or in both alike; and
    /// that it sends <c>If-Match</c> when the options require it. Returns the problem to answer, or <see langword="null"/>.
    /// </summary>
    public IResult? Check(HttpRequest request, long? given)
    {
        if (request.Headers.IfMatch.Count == 0)
        {
            if (options.Value.RequireIfMatch)
            {
                return TypedResults.Problem(TargetProblems.Problem(
                    StatusCodes.Status428PreconditionRequired,
                    TargetProblems.PreconditionRequired,
                    "If-Match required",
                    "Send the ETag of the version you read in an If-Match header: this API refuses writes that do not name it."));
            }

            return given is null
                ? TargetProblems.Invalid("expectedVersion", "Name the version you read: send its ETag in an If-Match header, or give expectedVersion.").ToProblem()
                : null;
        }

        if (IfMatchVersion(request) is not { } header)
        {
            return TargetProblems.Invalid("If-Match", "If-Match must hold one ETag of the target, e.g. \"3\"; * is not accepted, a write names the version it read.").ToProblem();
        }

        return given is { } value && value != header
            ? TargetProblems.Invalid("expectedVersion", $"If-Match names version {header} but expectedVersion is {value}; send one, or both alike.").ToProblem()
            : null;
    }

    /// <summary>The version a checked request names (<see cref="Check"/> returned <see langword="null"/>).</summary>
    public static long Version(HttpRequest request, long? given) => IfMatchVersion(request) ?? given!.Value;

    /// <summary>Answers a write of a target: <c>200</c> with its new <c>ETag</c>, or the problem of its error.</summary>
    public static IResult Written(HttpContext http, Result<Target> result) => result.Match(
        target =>
        {
            http.Response.Headers.ETag = ETag(target.Version);
            return TypedResults.Ok(target);
        },
        error => Failed(http.Request, error));

    /// <summary>
    /// Answers a failed write with the problem details of <paramref name="error"/>; a version conflict of a request that
    /// named its version in <c>If-Match</c> is <c>412 Precondition Failed</c>, as HTTP says, with the current version's
    /// <c>ETag</c>. A version given in the body or query stays a <c>409 Conflict</c>: no precondition header failed.
    /// </summary>
    public static IResult Failed(HttpRequest request, TargetError error)
    {
        if (error is not VersionConflictError conflict || request.Headers.IfMatch.Count == 0)
        {
            return error.ToProblem();
        }

        var problem = TargetProblems.ToProblemDetails(error);
        problem.Status = StatusCodes.Status412PreconditionFailed;
        request.HttpContext.Response.Headers.ETag = ETag(conflict.Current.Version);
        return TypedResults.Problem(problem);
    }

    private static long? IfMatchVersion(HttpRequest request)
    {
        var raw = request.Headers.IfMatch;
        if (raw.Count == 0)
        {
            return null;
        }

        if (EntityTagHeaderValue.TryParseStrictList(raw, out var tags) && tags is [{ IsWeak: false } tag] && !tag.Equals(EntityTagHeaderValue.Any)
            && long.TryParse(tag.Tag.AsSpan().Trim('"'), out var version))
        {
            return version;
        }

        // Hand-typed requests often send the bare number.
        return raw is [{ } bare] && long.TryParse(bare, out var plain) ? plain : null;
    }
}
