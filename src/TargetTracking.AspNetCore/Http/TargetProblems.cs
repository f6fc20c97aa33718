using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace TargetTracking.AspNetCore;

/// <summary>
/// The one place a <see cref="TargetError"/> becomes RFC 9457 problem details. Every problem carries a stable <c>type</c>,
/// <c>urn:targettracking:problem:</c> and the error's code (<c>not_found</c>, <c>version_conflict</c>, …), and the code
/// again as the <c>code</c> extension; docs/aspnetcore.md lists them.
/// </summary>
internal static class TargetProblems
{
    /// <summary>The prefix of every problem type this API answers with.</summary>
    public const string TypePrefix = "urn:targettracking:problem:";

    /// <summary>The codes of the problems the API itself answers with, beside the <see cref="TargetError"/> codes.</summary>
    public const string PreconditionRequired = "precondition_required", StoreUnavailable = "store_unavailable";

    /// <summary>Answers the request with the problem details of <paramref name="error"/> (<c>application/problem+json</c>).</summary>
    public static IResult ToProblem(this TargetError error) => TypedResults.Problem(ToProblemDetails(error));

    /// <summary>Problem details of the API's own (not a <see cref="TargetError"/>), with their type and code.</summary>
    public static ProblemDetails Problem(int status, string code, string title, string detail) =>
        Typed(new ProblemDetails { Status = status, Title = title }, code, detail);

    /// <summary>The problem details of an error: also used for the per-item errors of a bulk change.</summary>
    public static ProblemDetails ToProblemDetails(TargetError error)
    {
        ProblemDetails problem = error switch
        {
            NotFoundError e => new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "Target not found",
                Extensions = { ["targetId"] = e.Id },
            },
            VersionConflictError e => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Someone changed this target",
                Extensions =
                {
                    ["expectedVersion"] = e.ExpectedVersion,
                    ["currentVersion"] = e.Current.Version,
                    ["current"] = e.Current,
                },
            },
            UnknownStatusError e => new ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "Unknown status",
                Extensions = { ["unknownStatus"] = e.Status, ["knownStatuses"] = e.KnownStatuses },
            },
            TransitionNotAllowedError e => new ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "Status change not allowed",
                Extensions = { ["targetId"] = e.Id, ["from"] = e.From, ["to"] = e.To, ["allowedNext"] = e.AllowedNext },
            },
            StatusNotConfiguredError e => new ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "Status no longer configured",
                Extensions = { ["targetId"] = e.Id, ["status"] = e.Status, ["to"] = e.To, ["knownStatuses"] = e.KnownStatuses },
            },
            InvalidInputError e => new HttpValidationProblemDetails(
                e.Errors.GroupBy(f => f.Field).ToDictionary(g => g.Key, g => g.Select(f => f.Message).ToArray()))
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "Invalid input",
            },
            ItemNotFoundError e => new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = $"{e.Kind?.ToString() ?? "Item"} not found",
                Extensions = { ["itemId"] = e.Id },
            },
            ItemVersionConflictError e => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Someone changed this item",
                Extensions = { ["expectedVersion"] = e.ExpectedVersion, ["currentVersion"] = e.Current.Version, ["current"] = e.Current },
            },
            ItemTransitionNotAllowedError e => new ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "Status change not allowed",
                Extensions = { ["itemId"] = e.Id, ["from"] = e.From, ["to"] = e.To, ["allowedNext"] = e.AllowedNext },
            },
            LinksExistError e => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Links exist",
                Extensions = { ["links"] = e.Links, ["totalLinks"] = e.TotalLinks },
            },
            OperationNotFoundError e => new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "Operation not found",
                Extensions = { ["operationId"] = e.OperationId },
            },
            _ => throw new InvalidOperationException($"No problem mapping for {error.GetType().Name}."),
        };

        return Typed(problem, error.Code, error.Message);
    }

    /// <summary>Gives a problem its stable type and code, and its detail.</summary>
    private static ProblemDetails Typed(ProblemDetails problem, string code, string detail)
    {
        problem.Type = TypePrefix + code;
        problem.Detail = detail;
        problem.Extensions["code"] = code;
        return problem;
    }

    /// <summary>An <see cref="InvalidInputError"/> for one field, for input the API checks before the core sees it.</summary>
    public static InvalidInputError Invalid(string field, string message) => new([new FieldError(field, message)]);
}
