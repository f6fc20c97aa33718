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
            NotFoundError e => Of(StatusCodes.Status404NotFound, "Target not found", ("targetId", e.Id)),
            VersionConflictError e => Of(
                StatusCodes.Status409Conflict, "Someone changed this target", ("expectedVersion", e.ExpectedVersion), ("currentVersion", e.Current.Version), ("current", e.Current)),
            UnknownStatusError e => Of(StatusCodes.Status422UnprocessableEntity, "Unknown status", ("unknownStatus", e.Status), ("knownStatuses", e.KnownStatuses)),
            TransitionNotAllowedError e => Of(
                StatusCodes.Status422UnprocessableEntity, "Status change not allowed", ("targetId", e.Id), ("from", e.From), ("to", e.To), ("allowedNext", e.AllowedNext)),
            RequiredFieldsMissingError e => Of(
                StatusCodes.Status422UnprocessableEntity, "Required fields missing", ("targetId", e.Id), ("status", e.Status), ("missing", e.Missing.Select(f => f.ToString()).ToArray())),
            LostReasonError e => Of(
                StatusCodes.Status422UnprocessableEntity, e.Required ? "Lost reason required" : "Lost reason not accepted", ("status", e.Status), ("given", e.Given), ("reasons", e.Reasons)),
            GuardRefusedError e => Of(
                StatusCodes.Status422UnprocessableEntity, "Refused by a guard", ("targetId", e.Id), ("from", e.From), ("to", e.To), ("guard", e.Guard), ("reason", e.Reason)),
            EffectiveTimeOutOfRangeError e => Of(
                StatusCodes.Status422UnprocessableEntity, "Effective time out of range", ("targetId", e.Id), ("effectiveAt", e.EffectiveAt), ("notBefore", e.NotBefore), ("notAfter", e.NotAfter)),
            StatusNotConfiguredError e => Of(
                StatusCodes.Status422UnprocessableEntity, "Status no longer configured", ("targetId", e.Id), ("status", e.Status), ("to", e.To), ("knownStatuses", e.KnownStatuses)),
            InvalidInputError e => new HttpValidationProblemDetails(
                e.Errors.GroupBy(f => f.Field).ToDictionary(g => g.Key, g => g.Select(f => f.Message).ToArray()))
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "Invalid input",
            },
            ItemNotFoundError e => Of(StatusCodes.Status404NotFound, $"{e.Kind?.ToString() ?? "Item"} not found", ("itemId", e.Id)),
            ItemVersionConflictError e => Of(
                StatusCodes.Status409Conflict, "Someone changed this item", ("expectedVersion", e.ExpectedVersion), ("currentVersion", e.Current.Version), ("current", e.Current)),
            ItemTransitionNotAllowedError e => Of(
                StatusCodes.Status422UnprocessableEntity, "Status change not allowed", ("itemId", e.Id), ("from", e.From), ("to", e.To), ("allowedNext", e.AllowedNext)),
            LinksExistError e => Of(StatusCodes.Status409Conflict, "Links exist", ("links", e.Links), ("totalLinks", e.TotalLinks)),
            OperationNotFoundError e => Of(StatusCodes.Status404NotFound, "Operation not found", ("operationId", e.OperationId)),
            _ => throw new InvalidOperationException($"No problem mapping for {error.GetType().Name}."),
        };

        return Typed(problem, error.Code, error.Message);
    }

    /// <summary>A problem with its status, title and the error's own fields as extensions.</summary>
    private static ProblemDetails Of(int status, string title, params (string Name, object? Value)[] extensions)
    {
        var problem = new ProblemDetails { Status = status, Title = title };
        foreach (var (name, value) in extensions)
        {
            problem.Extensions[name] = value;
        }

        return problem;
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

    /// <summary>The answer to a required text field left empty or white space (a reason kept in an audit record, an actor id); <see langword="null"/> when it is given.</summary>
    public static IResult? Missing(string? value, string field, string message) =>
        string.IsNullOrWhiteSpace(value) ? Invalid(field, message).ToProblem() : null;
}
