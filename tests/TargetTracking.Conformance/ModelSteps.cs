using FsCheck;
using FsCheck.Fluent;
using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>One step of a random command sequence; targets are named by their creation index.</summary>
public abstract record Step;

public sealed record CreateStep(string Name, string? Description, string[] Markets, string? Status) : Step;

/// <summary>A status change; <paramref name="BackdateSeconds"/>: how long before now it took effect (negative: in the future), or now.</summary>
public sealed record StatusStep(int Target, string? Status, int VersionSkew, int? BackdateSeconds = null) : Step
{
    /// <summary>The effective time the step gives, on a clock that reads <paramref name="now"/>.</summary>
    public DateTimeOffset? EffectiveAt(DateTimeOffset now) => BackdateSeconds is { } back ? now.AddSeconds(-back) : null;
}

public sealed record UpdateStep(int Target, string Name, string? Description, string[] Markets, int VersionSkew) : Step;

public sealed record DeleteStep(int Target, int VersionSkew) : Step;

public sealed record BulkStep(BulkMode Mode, StatusStep[] Changes, CreateStep[] Creates) : Step;

public sealed record TickStep(int Seconds) : Step;

public sealed record Scenario(DeletePolicy DeletePolicy, Step[] Steps)
{
    public override string ToString() => $"{DeletePolicy}: [{string.Join(", ", Steps.Select(s => s.ToString()))}]";
}

/// <summary>Generators for the property tests: valid and hostile input, in proportions that reach every rule.</summary>
public static class ModelGenerators
{
    public static readonly string?[] StatusPool = [null, "Passed", "Cold", "Active", "Hot", "Closed", "hot", "Lukewarm"];

    public static readonly string[] NamePool =
    [
        "Acme", "acme corp", "Été Café", "O'Brien & \"Sons\"", "🚀 Rocket", "'; DROP TABLE targets;--", "tab\there\u0001",
        string.Empty, "   ", new string('x', TargetRules.MaxNameLength + 1), "nul\0inside", "lone " + (char)0xD800, new string('y', TargetRules.MaxNameLength),
    ];

    public static readonly string?[] DescriptionPool = [null, string.Empty, "A description", "line\nbreak ✓", new string('d', TargetRules.MaxDescriptionLength + 1)];

    public static readonly string[] MarketPool = ["EU", "eu", "US", "APAC", " Nordics ", string.Empty, "LATAM"];

    public static Gen<string?> Status { get; } = Gen.Elements(StatusPool);

    public static Gen<int> VersionSkew { get; } = Gen.Frequency((8, Gen.Constant(0)), (1, Gen.Constant(-1)), (1, Gen.Constant(1)));

    public static Gen<string[]> Markets { get; } =
        Gen.Frequency((6, Gen.SubListOf(MarketPool.Where(m => m is "EU" or "US" or "APAC" or " Nordics " or "LATAM").ToArray())), (1, Gen.SubListOf(MarketPool)))
            .Select(list => list.Take(3).ToArray());

    public static Gen<string> Name { get; } = Gen.Frequency((8, Gen.Elements(NamePool.Take(7).ToArray())), (2, Gen.Elements(NamePool)));

    public static Gen<CreateStep> Create { get; } =
        from name in Name
        from description in Gen.Elements(DescriptionPool)
        from markets in Markets
        from status in Gen.Frequency((3, Gen.Constant<string?>(null)), (4, Status))
        select new CreateStep(name, description, markets, status);

    // Mostly now; else backdated up to two hours (often before the previous change, which is refused), rarely in the future.
    public static Gen<int?> BackdateSeconds { get; } =
        Gen.Frequency((6, Gen.Constant<int?>(null)), (3, Gen.Choose(0, 7200).Select(s => (int?)s)), (1, Gen.Choose(-60, -1).Select(s => (int?)s)));

    public static Gen<StatusStep> ChangeStatus { get; } =
        from target in Gen.Choose(0, 30)
        from status in Status
        from skew in VersionSkew
        from back in BackdateSeconds
        select new StatusStep(target, status, skew, back);

    public static Gen<Step> AnyStep { get; } = Gen.Frequency(
        (4, Create.Select(s => (Step)s)),
        (7, ChangeStatus.Select(s => (Step)s)),
        (2, from target in Gen.Choose(0, 30)
            from name in Name
            from description in Gen.Elements(DescriptionPool)
            from markets in Markets
            from skew in VersionSkew
            select (Step)new UpdateStep(target, name, description, markets, skew)),
        (1, from target in Gen.Choose(0, 30) from skew in VersionSkew select (Step)new DeleteStep(target, skew)),
        (2, from mode in Gen.Elements(BulkMode.AllOrNothing, BulkMode.Partial)
            from changes in Gen.Choose(0, 8).SelectMany(n => ChangeStatus.ArrayOf(n))
            from creates in Gen.Choose(0, 3).SelectMany(n => Create.ArrayOf(n))
            select (Step)new BulkStep(mode, changes, creates)),
        (1, Gen.Choose(1, 3600).Select(s => (Step)new TickStep(s))));

    public static Gen<Scenario> Scenario { get; } =
        from policy in Gen.Frequency((3, Gen.Constant(DeletePolicy.KeepHistory)), (1, Gen.Constant(DeletePolicy.PurgeHistory)))
        from length in Gen.Choose(1, 30)
        from steps in AnyStep.ArrayOf(length)
        select new Scenario(policy, steps);
}

/// <summary>The FsCheck arbitraries of the model-based test (<c>[Property(Arbitrary = [typeof(ModelArbitraries)])]</c>).</summary>
public static class ModelArbitraries
{
    /// <summary>A delete policy and 1 to 30 random steps.</summary>
    public static Arbitrary<Scenario> Scenario() => ModelGenerators.Scenario.ToArbitrary();
}
