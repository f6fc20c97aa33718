using FsCheck;
using FsCheck.Fluent;
using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>One step of a random hierarchy sequence; outcomes and items are named by their creation index (modulo how many exist).</summary>
public abstract record HierarchyStep;

public sealed record NewOutcomeStep(string? Status) : HierarchyStep;

public sealed record NewItemStep(HierarchyKind Kind, string? Status) : HierarchyStep;

public sealed record LinkStep(LinkAction Action, int Outcome, int Item) : HierarchyStep;

public sealed record BulkLinkStep(BulkMode Mode, LinkStep[] Links) : HierarchyStep;

public sealed record DeleteItemStep(int Item, LinkDeletePolicy Policy, int VersionSkew) : HierarchyStep;

public sealed record DeleteOutcomeStep(int Outcome) : HierarchyStep;

public sealed record MoveOutcomeStep(int Outcome, string? Status) : HierarchyStep;

public sealed record MoveItemStep(int Item, string? Status) : HierarchyStep;

public sealed record HierarchyScenario(LinkDeletePolicy TargetDeletes, HierarchyStep[] Steps)
{
    public override string ToString() => $"{TargetDeletes}: [{string.Join(", ", Steps.Select(s => s.ToString()))}]";
}

/// <summary>Generators of hierarchy sequences: few outcomes and items, so links, shared outcomes and cascades collide often.</summary>
public static class HierarchyGenerators
{
    private static readonly string?[] OutcomeStatuses = [null, "Passed", "Cold", "Active", "Hot", "Closed"];

    private static readonly string?[] ItemStatuses = [null, "Active", "At Risk", "Achieved", "Planned", "To Do", "In Progress", "Done", "Dropped"];

    private static Gen<LinkStep> Link { get; } =
        from action in Gen.Frequency((3, Gen.Constant(LinkAction.Link)), (1, Gen.Constant(LinkAction.Unlink)))
        from outcome in Gen.Choose(0, 7)
        from item in Gen.Choose(0, 9)
        select new LinkStep(action, outcome, item);

    private static Gen<HierarchyStep> AnyStep { get; } = Gen.Frequency(
        (3, Gen.Elements(OutcomeStatuses).Select(s => (HierarchyStep)new NewOutcomeStep(s))),
        (3, from kind in Gen.Elements(Enum.GetValues<HierarchyKind>()) from status in Gen.Elements(ItemStatuses) select (HierarchyStep)new NewItemStep(kind, status)),
        (8, Link.Select(l => (HierarchyStep)l)),
        (2, from mode in Gen.Elements(BulkMode.AllOrNothing, BulkMode.Partial) from links in Gen.Choose(1, 6).SelectMany(n => Link.ArrayOf(n)) select (HierarchyStep)new BulkLinkStep(mode, links)),
        (1, from item in Gen.Choose(0, 9)
            from policy in Gen.Elements(LinkDeletePolicy.Cascade, LinkDeletePolicy.Restrict)
            from skew in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Constant(-1)))
            select (HierarchyStep)new DeleteItemStep(item, policy, skew)),
        (1, Gen.Choose(0, 7).Select(o => (HierarchyStep)new DeleteOutcomeStep(o))),
        (2, from outcome in Gen.Choose(0, 7) from status in Gen.Elements(OutcomeStatuses) select (HierarchyStep)new MoveOutcomeStep(outcome, status)),
        (2, from item in Gen.Choose(0, 9) from status in Gen.Elements(ItemStatuses) select (HierarchyStep)new MoveItemStep(item, status)));

    public static Gen<HierarchyScenario> Scenario { get; } =
        from policy in Gen.Elements(LinkDeletePolicy.Cascade, LinkDeletePolicy.Restrict)
        from length in Gen.Choose(1, 24)
        from steps in AnyStep.ArrayOf(length)
        select new HierarchyScenario(policy, steps);
}

/// <summary>The FsCheck arbitraries of the hierarchy model-based test.</summary>
public static class HierarchyArbitraries
{
    /// <summary>A target delete policy and 1 to 24 random steps.</summary>
    public static Arbitrary<HierarchyScenario> Scenario() => HierarchyGenerators.Scenario.ToArbitrary();
}
