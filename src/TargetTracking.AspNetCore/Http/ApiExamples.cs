using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace TargetTracking.AspNetCore;

/// <summary>
/// The examples of the OpenAPI document: every request body, and the resources the API answers with, serialized with the
/// API's own JSON options (so an example is exactly what the endpoint reads or writes; a test posts them back).
/// </summary>
internal static class ApiExamples
{
    private static readonly DateTimeOffset At = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);
    private static readonly TargetId Deal = new(Guid.Parse("0195f0a2-7c3e-7d41-9a52-3f6e2b1c4d5e"));

    private static readonly Target ExampleTarget = new()
    {
        Id = Deal,
        Name = "Acme valves",
        Description = "Framework agreement, 3 plants",
        Markets = ["EU", "US"],
        Status = "Active",
        Version = 2,
        CreatedAt = At,
        UpdatedAt = At.AddDays(1),
        StatusChangedAt = At.AddDays(1),
    };

    private static readonly HistoryEntry ExampleEntry = new()
    {
        Id = Guid.Parse("0195f0a2-9d10-7b22-8e61-0c4a5b6d7e8f"),
        TargetId = Deal,
        Action = HistoryAction.StatusChanged,
        OldStatus = "Cold",
        NewStatus = "Active",
        Version = 2,
        OccurredAt = At.AddDays(1),
        ActorId = "u-17",
        ActorName = "Dana Sales",
        CorrelationId = "c5a1f2d3e4b5",
        ClientAddress = "203.0.113.7",
        UserAgent = "crm-web/4.2",
    };

    /// <summary>The example of each type that has one.</summary>
    internal static readonly IReadOnlyDictionary<Type, object> ByType = new Dictionary<Type, object>
    {
        [typeof(CreateTargetRequest)] = new CreateTargetRequest("Acme valves", "Framework agreement, 3 plants", ["EU", "US"], "Cold"),
        [typeof(UpdateTargetRequest)] = new UpdateTargetRequest("Acme valves and pumps", null, ["EU", "US", "APAC"], 2),
        [typeof(ChangeStatusRequest)] = new ChangeStatusRequest("Hot", 2),
        [typeof(BulkStatusRequest)] = new BulkStatusRequest("partial", [new BulkStatusItem(Deal, 2, "Hot")]),
        [typeof(ItemRequest)] = new ItemRequest("Win three plants in the EU", "FY27 goal", "Active", new DateOnly(2027, 3, 31), null, null, null, null, null),
        [typeof(StartOperationBody)] = new StartOperationBody("close-lost-2026-q1", "Lost", new OperationFilter(["Cold"], "EU", null), null, 500),
        [typeof(RepairRequest)] = new RepairRequest(RepairPolicy.TrustHistory),
        [typeof(TenantDeleteRequest)] = new TenantDeleteRequest("Contract ended 2026-11-30 (ticket 4711)"),
        [typeof(ActorErasureRequest)] = new ActorErasureRequest("user-42", "Data subject request 2026-118"),
        [typeof(TargetErasureRequest)] = new TargetErasureRequest("The name identifies a person (ticket 4712)"),
        [typeof(ErasureLine)] = new ErasureLine(Guid.Parse("0195f0a3-0000-7000-8000-000000000002"), At, "Actor", null, "Data subject request 2026-118", "ops-7", "Back office", "ticket-4711", 312, 4),
        [typeof(Target)] = ExampleTarget,
        [typeof(HistoryEntry)] = ExampleEntry,
        [typeof(TargetListResponse)] = new TargetListResponse([ExampleTarget], 1, 0, 50),
        [typeof(HistoryPageResponse)] = new HistoryPageResponse([ExampleEntry], null),
        [typeof(TenantDeletionLine)] = new TenantDeletionLine(Guid.Parse("0195f0a3-0000-7000-8000-000000000001"), "acme", At, "Contract ended 2026-11-30", "ops-7", "Back office", "ticket-4711", 1250, 9800),
    };

    /// <summary>Puts the example of the schema's type on it, if there is one.</summary>
    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (ByType.TryGetValue(context.JsonTypeInfo.Type, out var example))
        {
            var json = context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            schema.Examples = [JsonSerializer.SerializeToNode(example, context.JsonTypeInfo.Type, json)!];
        }

        return Task.CompletedTask;
    }
}
