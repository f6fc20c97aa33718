namespace TargetTracking;

/// <summary>What a valid goal, sprint or commitment is: the one place these rules live.</summary>
public static class HierarchyRules
{
    /// <summary>The longest title.</summary>
    public const int MaxTitleLength = 255;

    /// <summary>The longest sprint name.</summary>
    public const int MaxSprintNameLength = 100;

    /// <summary>The lowest priority a commitment can have (1 is the highest).</summary>
    public const int LowestPriority = 5;

    /// <summary>Validates the fields of an item of a kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="fields">The fields.</param>
    /// <returns><see langword="null"/> when valid; otherwise the error naming each bad field.</returns>
    public static InvalidInputError? Validate(HierarchyKind kind, HierarchyItemFields fields)
    {
        Guard.Against.Null(fields);
        List<FieldError>? errors = null;
        void Fail(string field, string message) => (errors ??= []).Add(new FieldError(field, message));
        void NotFor(string field, object? value)
        {
            if (value is not null)
            {
                Fail(field, $"A {kind.ToString().ToLowerInvariant()} has no {field}.");
            }
        }

        if (!Enum.IsDefined(kind))
        {
            Fail("kind", $"{kind} is not a kind of item.");
        }

        if (TargetRules.Validate(string.IsNullOrWhiteSpace(fields.Title) ? null : fields.Title, fields.Description, null, out _) is { } basic)
        {
            foreach (var e in basic.Errors)
            {
                Fail(e.Field == "name" ? "title" : e.Field, e.Message.Replace("The name", "The title", StringComparison.Ordinal));
            }
        }

        if (kind != HierarchyKind.Goal)
        {
            NotFor("targetDate", fields.TargetDate);
        }

        if (kind != HierarchyKind.Sprint)
        {
            NotFor("sprintName", fields.SprintName);
            NotFor("startDate", fields.StartDate);
            NotFor("endDate", fields.EndDate);
        }
        else
        {
            if (string.IsNullOrWhiteSpace(fields.SprintName))
            {
                Fail("sprintName", "A sprint needs a number or name.");
            }
            else if (fields.SprintName.Length > MaxSprintNameLength || !TargetRules.IsStorable(fields.SprintName))
            {
                Fail("sprintName", $"The sprint name must be storable text of at most {MaxSprintNameLength} characters.");
            }

            if (fields.StartDate is not { } start || fields.EndDate is not { } end)
            {
                Fail("endDate", "A sprint needs a start and an end date.");
            }
            else if (end < start)
            {
                Fail("endDate", $"The end date {end:yyyy-MM-dd} is before the start date {start:yyyy-MM-dd}.");
            }
        }

        if (kind != HierarchyKind.Commitment)
        {
            NotFor("priority", fields.Priority);
            NotFor("dueDate", fields.DueDate);
        }
        else if (fields.Priority is { } priority && (priority < 1 || priority > LowestPriority))
        {
            Fail("priority", $"The priority is 1 (highest) to {LowestPriority}; it is {priority}.");
        }

        return errors is null ? null : new InvalidInputError([.. errors]);
    }
}
