using System.Collections.Concurrent;
using LinqToDB.Mapping;

namespace TargetTracking.Linq2Db;

/// <summary>The store's tables, named once: the same names on every database.</summary>
internal static class Tables
{
    public const string Targets = "targets";
    public const string Markets = "target_markets";
    public const string History = "target_history";
    public const string Operations = "target_operations";
    public const string OperationItems = "target_operation_items";
    public const string OperationFailures = "target_operation_failures";
    public const string Stays = "target_stays";
    public const string HierarchyItems = "hierarchy_items";
    public const string Links = "outcome_links";
    public const string HierarchyHistory = "hierarchy_history";
    public const string Migrations = "target_tracking_migrations";
    public const string StagnationClaims = "stagnation_claims";
    public const string WebhookSubscriptions = "webhook_subscriptions";
    public const string WebhookDeadLetters = "webhook_dead_letters";
    public const string TenantDeletions = "tenant_deletions";
    public const string LedgerHeads = "ledger_heads";
    public const string LedgerSeals = "ledger_seals";
    public const string Erasures = "erasures";
    public const string ErasedEntries = "erased_entries";

    /// <summary>
    /// Every table that holds a tenant's rows, children first: the order a tenant's deletion empties them in (the store's
    /// own path; PostgreSQL's <c>delete_tenant</c> and MariaDB's <c>targettracking_delete_tenant</c> name the same tables,
    /// and a test compares each list with the database's catalog). Not <see cref="TenantDeletions"/>, which outlives them.
    /// </summary>
    public static IReadOnlyList<string> TenantRows(bool marketsTable) =>
    [
        Links, Stays, History, HierarchyHistory, OperationFailures, OperationItems, Operations, HierarchyItems,
        .. marketsTable ? [Markets] : Array.Empty<string>(), Targets, StagnationClaims, WebhookDeadLetters, WebhookSubscriptions, LedgerSeals, LedgerHeads,
        ErasedEntries, Erasures,
    ];

    /// <summary>
    /// The least-privilege grants of the store's run-time role, table by table, the same rule on every database: it reads
    /// the version table, reads and appends history (never updates or deletes it), and reads and writes the rest. The
    /// purge of history (and the deletion of a tenant, the only writer of <see cref="TenantDeletions"/>) is a separate grant
    /// each dialect adds only where the host uses it.
    /// </summary>
    /// <param name="qualify">How the database names a table in SQL.</param>
    /// <param name="grantee">The role or user, as the database spells it.</param>
    /// <param name="marketsTable">Whether markets are kept in their side table (<see cref="StorageShape.MarketsTable"/>).</param>
    /// <returns>One <c>GRANT</c> per table, each on its own line.</returns>
    public static string Grants(Func<string, string> qualify, string grantee, bool marketsTable)
    {
        const string Write = "SELECT, INSERT, UPDATE, DELETE";
        const string Append = "SELECT, INSERT";
        (string Table, string Privileges)[] grants =
        [
            (Migrations, "SELECT"), (Targets, Write), .. marketsTable ? [(Markets, Write)] : Array.Empty<(string, string)>(), (History, Append),
            (Operations, Write), (OperationItems, Write), (OperationFailures, Write), (HierarchyItems, Write), (Links, Write),
            (HierarchyHistory, Append), (StagnationClaims, "SELECT, INSERT, DELETE"), (Stays, Write),
            (WebhookSubscriptions, Write), (WebhookDeadLetters, Write), (TenantDeletions, "SELECT"), (LedgerHeads, Write), (LedgerSeals, Append),
            (Erasures, "SELECT"), (ErasedEntries, "SELECT"),
        ];
        return string.Concat(grants.Select(g => $"GRANT {g.Privileges} ON {qualify(g.Table)} TO {grantee};\n"));
    }
}

/// <summary>What a database stores differently, where its types force it: the only way the mapping differs between dialects.</summary>
/// <param name="Schema">The schema that holds the tables, or <see langword="null"/> where the database has none (or the connection picks it).</param>
/// <param name="MarketsTable">
/// Whether markets are indexed through the side table <see cref="Tables.Markets"/> (SQLite, MariaDB), rather than an
/// array column <c>markets_norm</c> with its own index (PostgreSQL).
/// </param>
/// <param name="StatusUpper">
/// A generated column of <c>targets</c> holding <c>UPPER(status)</c>, which status filters compare, for databases that cannot
/// index the expression itself (MariaDB); <see langword="null"/> where an index on <c>UPPER(status)</c> serves the expression.
/// </param>
/// <param name="FailureSeq">The column that orders an operation's failures as inserted (SQLite's implicit <c>rowid</c>).</param>
internal sealed record StorageShape(string? Schema, bool MarketsTable, string? StatusUpper, string FailureSeq = "seq");

/// <summary>
/// Maps the records to a dialect's tables. One mapping schema per dialect configuration, built once and shared:
/// linq2db caches compiled queries per mapping schema, so sharing it keeps each query shape compiled once per process.
/// </summary>
internal static class StoreMapping
{
    private static readonly ConcurrentDictionary<string, MappingSchema> Schemas = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<(string Key, LinqToDB.DataProvider.IDataProvider Provider), MappingSchema> Combined = new();

    public static MappingSchema For(Linq2DbDialect dialect) =>
        Schemas.GetOrAdd(dialect.Schema.MappingKey, static (key, d) => Create(key, d), dialect);

    /// <summary>
    /// The store's mapping over the provider's, combined once. Given as a <see cref="LinqToDB.DataOptions"/>' mapping schema,
    /// linq2db would combine the two anew for every connection from a connection factory (it caches combinations of its own
    /// locked schemas only): about 31 KB per connection, measured, more than a whole status change otherwise costs.
    /// </summary>
    /// <param name="dialect">The dialect.</param>
    /// <returns>The combined schema; set it on each new connection.</returns>
    public static MappingSchema ForConnections(Linq2DbDialect dialect) =>
        Combined.GetOrAdd((dialect.Schema.MappingKey, dialect.Provider), static (key, d) => new MappingSchema(For(d), key.Provider.MappingSchema), dialect);

    private static MappingSchema Create(string key, Linq2DbDialect dialect)
    {
        var schema = new MappingSchema("TargetTracking." + key);
        var names = dialect.Schema.Shape;
        var builder = new FluentMappingBuilder(schema);

        var targets = builder.Entity<TargetRecord>().HasTableName(Tables.Targets);
        targets.Property(t => t.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        targets.Property(t => t.Id).HasColumnName("id").IsPrimaryKey(1).IsNullable(false);
        targets.Property(t => t.Name).HasColumnName("name").IsNullable(false);
        targets.Property(t => t.NameNorm).HasColumnName("name_norm").IsNullable(false);
        targets.Property(t => t.Description).HasColumnName("description").IsNullable(true);
        targets.Property(t => t.Markets).HasColumnName("markets").IsNullable(false);
        if (!names.MarketsTable)
        {
            targets.Property(t => t.MarketsNorm).HasColumnName("markets_norm").IsNullable(false);
        }
        else
        {
            targets.Property(t => t.MarketsNorm).IsNotColumn();
            var markets = builder.Entity<MarketRecord>().HasTableName(Tables.Markets);
            markets.Property(m => m.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
            markets.Property(m => m.TargetId).HasColumnName("target_id").IsPrimaryKey(1).IsNullable(false);
            markets.Property(m => m.MarketNorm).HasColumnName("market_norm").IsPrimaryKey(2).IsNullable(false);
            markets.HasQueryFilter<TenantConnection>((m, db) => m.TenantId == db.Tenant);
        }

        targets.Property(t => t.Status).HasColumnName("status").IsNullable(true);
        if (names.StatusUpper is { } statusUpper)
        {
            // Computed by the database: read by filters, never written.
            targets.Property(t => t.StatusUpper).HasColumnName(statusUpper).IsNullable(true).HasSkipOnInsert().HasSkipOnUpdate();
        }
        else
        {
            targets.Property(t => t.StatusUpper).IsNotColumn();
        }

        targets.Property(t => t.Version).HasColumnName("version");
        targets.Property(t => t.CreatedAt).HasColumnName("created_at");
        targets.Property(t => t.UpdatedAt).HasColumnName("updated_at");
        targets.Property(t => t.StatusChangedAt).HasColumnName("status_changed_at").IsNullable(true);
        targets.Property(t => t.AmountUnits).HasColumnName("amount_units").IsNullable(true);
        targets.Property(t => t.Currency).HasColumnName("currency").IsNullable(true);
        targets.Property(t => t.OwnerId).HasColumnName("owner_id").IsNullable(true);

        var history = builder.Entity<HistoryRecord>().HasTableName(Tables.History);
        history.Property(h => h.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        history.Property(h => h.Id).HasColumnName("id").IsPrimaryKey(1).IsNullable(false);
        history.Property(h => h.TargetId).HasColumnName("target_id").IsNullable(false);
        history.Property(h => h.Action).HasColumnName("action").IsNullable(false);
        history.Property(h => h.OldStatus).HasColumnName("old_status").IsNullable(true);
        history.Property(h => h.NewStatus).HasColumnName("new_status").IsNullable(true);
        history.Property(h => h.Version).HasColumnName("version");
        history.Property(h => h.OccurredAt).HasColumnName("occurred_at");
        history.Property(h => h.EffectiveAt).HasColumnName("effective_at").IsNullable(true);
        history.Property(h => h.ActorId).HasColumnName("actor_id").IsNullable(true);
        history.Property(h => h.ActorName).HasColumnName("actor_name").IsNullable(true);
        history.Property(h => h.CorrelationId).HasColumnName("correlation_id").IsNullable(false);
        history.Property(h => h.OperationId).HasColumnName("operation_id").IsNullable(true);
        history.Property(h => h.ClientAddress).HasColumnName("client_address").IsNullable(true);
        history.Property(h => h.UserAgent).HasColumnName("user_agent").IsNullable(true);
        history.Property(h => h.Note).HasColumnName("note").IsNullable(true);
        history.Property(h => h.OldAmountUnits).HasColumnName("old_amount_units").IsNullable(true);
        history.Property(h => h.OldCurrency).HasColumnName("old_currency").IsNullable(true);
        history.Property(h => h.NewAmountUnits).HasColumnName("new_amount_units").IsNullable(true);
        history.Property(h => h.NewCurrency).HasColumnName("new_currency").IsNullable(true);
        history.Property(h => h.OldOwnerId).HasColumnName("old_owner_id").IsNullable(true);
        history.Property(h => h.NewOwnerId).HasColumnName("new_owner_id").IsNullable(true);
        history.Property(h => h.Reason).HasColumnName("reason").IsNullable(true);

        var operations = builder.Entity<OperationRecord>().HasTableName(Tables.Operations);
        operations.Property(o => o.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        operations.Property(o => o.Id).HasColumnName("id").IsPrimaryKey(1).IsNullable(false);
        operations.Property(o => o.Status).HasColumnName("status").IsNullable(false);
        operations.Property(o => o.TargetStatus).HasColumnName("target_status").IsNullable(true);
        operations.Property(o => o.EffectiveAt).HasColumnName("effective_at").IsNullable(true);
        operations.Property(o => o.Selection).HasColumnName("selection").IsNullable(false);
        operations.Property(o => o.Total).HasColumnName("total");
        operations.Property(o => o.Processed).HasColumnName("processed");
        operations.Property(o => o.Succeeded).HasColumnName("succeeded");
        operations.Property(o => o.Failed).HasColumnName("failed");
        operations.Property(o => o.BatchSize).HasColumnName("batch_size");
        operations.Property(o => o.CurrentBatch).HasColumnName("current_batch");
        operations.Property(o => o.Cursor).HasColumnName("cursor_id").IsNullable(true);
        operations.Property(o => o.CreatedAt).HasColumnName("created_at");
        operations.Property(o => o.StartedAt).HasColumnName("started_at").IsNullable(true);
        operations.Property(o => o.LastUpdatedAt).HasColumnName("last_updated_at");
        operations.Property(o => o.CompletedAt).HasColumnName("completed_at").IsNullable(true);
        operations.Property(o => o.Error).HasColumnName("error").IsNullable(true);
        operations.Property(o => o.RetryCount).HasColumnName("retry_count");
        operations.Property(o => o.MaxRetries).HasColumnName("max_retries");
        operations.Property(o => o.CancelRequested).HasColumnName("cancel_requested");
        operations.Property(o => o.ActorId).HasColumnName("actor_id").IsNullable(true);
        operations.Property(o => o.ActorName).HasColumnName("actor_name").IsNullable(true);
        operations.Property(o => o.Reason).HasColumnName("reason").IsNullable(true);
        operations.Property(o => o.ReasonNote).HasColumnName("reason_note").IsNullable(true);
        operations.Property(o => o.ClientAddress).HasColumnName("client_address").IsNullable(true);
        operations.Property(o => o.UserAgent).HasColumnName("user_agent").IsNullable(true);

        var items = builder.Entity<OperationItemRecord>().HasTableName(Tables.OperationItems);
        items.Property(i => i.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        items.Property(i => i.OperationId).HasColumnName("operation_id").IsPrimaryKey(1).IsNullable(false);
        items.Property(i => i.TargetId).HasColumnName("target_id").IsPrimaryKey(2).IsNullable(false);

        var failures = builder.Entity<OperationFailureRecord>().HasTableName(Tables.OperationFailures);
        failures.Property(f => f.TenantId).HasColumnName("tenant_id").IsNullable(false);
        failures.Property(f => f.OperationId).HasColumnName("operation_id").IsNullable(false);
        failures.Property(f => f.Seq).HasColumnName(names.FailureSeq).HasSkipOnInsert().HasSkipOnUpdate();
        failures.Property(f => f.TargetId).HasColumnName("target_id").IsNullable(false);
        failures.Property(f => f.Code).HasColumnName("code").IsNullable(false);
        failures.Property(f => f.Message).HasColumnName("message").IsNullable(false);
        failures.Property(f => f.OccurredAt).HasColumnName("occurred_at");

        var hierarchyItems = builder.Entity<ItemRecord>().HasTableName(Tables.HierarchyItems);
        hierarchyItems.Property(i => i.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        hierarchyItems.Property(i => i.Id).HasColumnName("id").IsPrimaryKey(1).IsNullable(false);
        hierarchyItems.Property(i => i.Kind).HasColumnName("kind").IsNullable(false);
        hierarchyItems.Property(i => i.Title).HasColumnName("title").IsNullable(false);
        hierarchyItems.Property(i => i.TitleNorm).HasColumnName("title_norm").IsNullable(false);
        hierarchyItems.Property(i => i.Description).HasColumnName("description").IsNullable(true);
        hierarchyItems.Property(i => i.Status).HasColumnName("status").IsNullable(true);
        hierarchyItems.Property(i => i.TargetDay).HasColumnName("target_day").IsNullable(true);
        hierarchyItems.Property(i => i.SprintName).HasColumnName("sprint_name").IsNullable(true);
        hierarchyItems.Property(i => i.StartDay).HasColumnName("start_day").IsNullable(true);
        hierarchyItems.Property(i => i.EndDay).HasColumnName("end_day").IsNullable(true);
        hierarchyItems.Property(i => i.Priority).HasColumnName("priority").IsNullable(true);
        hierarchyItems.Property(i => i.DueDay).HasColumnName("due_day").IsNullable(true);
        hierarchyItems.Property(i => i.WhenDay).HasColumnName("when_day").IsNullable(true);
        hierarchyItems.Property(i => i.Version).HasColumnName("version");
        hierarchyItems.Property(i => i.CreatedAt).HasColumnName("created_at");
        hierarchyItems.Property(i => i.UpdatedAt).HasColumnName("updated_at");

        var links = builder.Entity<LinkRecord>().HasTableName(Tables.Links);
        links.Property(l => l.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        links.Property(l => l.TargetId).HasColumnName("target_id").IsPrimaryKey(1).IsNullable(false);
        links.Property(l => l.ItemId).HasColumnName("item_id").IsPrimaryKey(2).IsNullable(false);
        links.Property(l => l.Kind).HasColumnName("kind").IsNullable(false);

        var itemHistory = builder.Entity<ItemHistoryRecord>().HasTableName(Tables.HierarchyHistory);
        itemHistory.Property(h => h.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        itemHistory.Property(h => h.Id).HasColumnName("id").IsPrimaryKey(1).IsNullable(false);
        itemHistory.Property(h => h.ItemId).HasColumnName("item_id").IsNullable(false);
        itemHistory.Property(h => h.Kind).HasColumnName("kind").IsNullable(false);
        itemHistory.Property(h => h.Action).HasColumnName("action").IsNullable(false);
        itemHistory.Property(h => h.OldStatus).HasColumnName("old_status").IsNullable(true);
        itemHistory.Property(h => h.NewStatus).HasColumnName("new_status").IsNullable(true);
        itemHistory.Property(h => h.Version).HasColumnName("version");
        itemHistory.Property(h => h.OccurredAt).HasColumnName("occurred_at");
        itemHistory.Property(h => h.ActorId).HasColumnName("actor_id").IsNullable(true);
        itemHistory.Property(h => h.ActorName).HasColumnName("actor_name").IsNullable(true);
        itemHistory.Property(h => h.CorrelationId).HasColumnName("correlation_id").IsNullable(false);

        var hooks = builder.Entity<WebhookRecord>().HasTableName(Tables.WebhookSubscriptions);
        hooks.Property(w => w.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        hooks.Property(w => w.SubscriptionId).HasColumnName("subscription_id").IsPrimaryKey(1).IsNullable(false);
        hooks.Property(w => w.Position).HasColumnName("feed_position").IsNullable(true);
        hooks.Property(w => w.Attempts).HasColumnName("attempts");
        hooks.Property(w => w.NextAttemptAt).HasColumnName("next_attempt_at").IsNullable(true);
        hooks.Property(w => w.LastError).HasColumnName("last_error").IsNullable(true);
        hooks.Property(w => w.LeaseOwner).HasColumnName("lease_owner").IsNullable(true);
        hooks.Property(w => w.LeaseUntil).HasColumnName("lease_until").IsNullable(true);

        var deadLetters = builder.Entity<DeadLetterRecord>().HasTableName(Tables.WebhookDeadLetters);
        deadLetters.Property(d => d.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        deadLetters.Property(d => d.SubscriptionId).HasColumnName("subscription_id").IsPrimaryKey(1).IsNullable(false);
        deadLetters.Property(d => d.EventId).HasColumnName("event_id").IsPrimaryKey(2).IsNullable(false);
        deadLetters.Property(d => d.TargetId).HasColumnName("target_id").IsNullable(false);
        deadLetters.Property(d => d.Position).HasColumnName("feed_position").IsNullable(false);
        deadLetters.Property(d => d.Body).HasColumnName("body").IsNullable(false);
        deadLetters.Property(d => d.Attempts).HasColumnName("attempts");
        deadLetters.Property(d => d.LastError).HasColumnName("last_error").IsNullable(true);
        deadLetters.Property(d => d.DeadAt).HasColumnName("dead_at");

        var deletions = builder.Entity<TenantDeletionRecord>().HasTableName(Tables.TenantDeletions);
        deletions.Property(d => d.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        deletions.Property(d => d.Id).HasColumnName("id").IsPrimaryKey(1).IsNullable(false);
        deletions.Property(d => d.DeletedAt).HasColumnName("deleted_at");
        deletions.Property(d => d.Reason).HasColumnName("reason").IsNullable(false);
        deletions.Property(d => d.ActorId).HasColumnName("actor_id").IsNullable(true);
        deletions.Property(d => d.ActorName).HasColumnName("actor_name").IsNullable(true);
        deletions.Property(d => d.CorrelationId).HasColumnName("correlation_id").IsNullable(false);
        deletions.Property(d => d.ClientAddress).HasColumnName("client_address").IsNullable(true);
        deletions.Property(d => d.UserAgent).HasColumnName("user_agent").IsNullable(true);
        deletions.Property(d => d.Targets).HasColumnName("targets");
        deletions.Property(d => d.HistoryEntries).HasColumnName("target_history_entries");
        var heads = builder.Entity<LedgerHeadRecord>().HasTableName(Tables.LedgerHeads);
        heads.Property(h => h.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        heads.Property(h => h.Position).HasColumnName("position");
        heads.Property(h => h.Hash).HasColumnName("hash").IsNullable(false);
        heads.Property(h => h.SealedThrough).HasColumnName("sealed_through").IsNullable(true);
        heads.Property(h => h.SealedAt).HasColumnName("sealed_at").IsNullable(true);
        heads.Property(h => h.LeaseOwner).HasColumnName("lease_owner").IsNullable(true);
        heads.Property(h => h.LeaseUntil).HasColumnName("lease_until").IsNullable(true);

        var seals = builder.Entity<LedgerSealRecord>().HasTableName(Tables.LedgerSeals);
        seals.Property(s => s.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        seals.Property(s => s.Position).HasColumnName("position").IsPrimaryKey(1);
        seals.Property(s => s.EntryId).HasColumnName("entry_id").IsNullable(false);
        seals.Property(s => s.PersonalHash).HasColumnName("personal_hash").IsNullable(false);
        seals.Property(s => s.Hash).HasColumnName("hash").IsNullable(false);

        var erasures = builder.Entity<ErasureRecord>().HasTableName(Tables.Erasures);
        erasures.Property(e => e.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        erasures.Property(e => e.Id).HasColumnName("id").IsPrimaryKey(1).IsNullable(false);
        erasures.Property(e => e.ErasedAt).HasColumnName("erased_at");
        erasures.Property(e => e.Reason).HasColumnName("reason").IsNullable(false);
        erasures.Property(e => e.ActorId).HasColumnName("actor_id").IsNullable(true);
        erasures.Property(e => e.ActorName).HasColumnName("actor_name").IsNullable(true);
        erasures.Property(e => e.CorrelationId).HasColumnName("correlation_id").IsNullable(false);
        erasures.Property(e => e.ClientAddress).HasColumnName("client_address").IsNullable(true);
        erasures.Property(e => e.UserAgent).HasColumnName("user_agent").IsNullable(true);
        erasures.Property(e => e.Subject).HasColumnName("subject").IsNullable(false);
        erasures.Property(e => e.TargetId).HasColumnName("target_id").IsNullable(true);
        erasures.Property(e => e.Entries).HasColumnName("entries");
        erasures.Property(e => e.Targets).HasColumnName("targets");

        var erased = builder.Entity<ErasedEntryRecord>().HasTableName(Tables.ErasedEntries);
        erased.Property(e => e.TenantId).HasColumnName("tenant_id").IsPrimaryKey(0).IsNullable(false);
        erased.Property(e => e.EntryId).HasColumnName("entry_id").IsPrimaryKey(1).IsNullable(false);
        erased.Property(e => e.ErasureId).HasColumnName("erasure_id").IsPrimaryKey(2).IsNullable(false);

        // Every LINQ read, update and delete of a connection sees its tenant's rows only (TenantConnection); the all-tenants
        // reads of the back office say IgnoreFilters() where they are written.
        targets.HasQueryFilter<TenantConnection>((t, db) => t.TenantId == db.Tenant);
        history.HasQueryFilter<TenantConnection>((h, db) => h.TenantId == db.Tenant);
        operations.HasQueryFilter<TenantConnection>((o, db) => o.TenantId == db.Tenant);
        items.HasQueryFilter<TenantConnection>((i, db) => i.TenantId == db.Tenant);
        failures.HasQueryFilter<TenantConnection>((f, db) => f.TenantId == db.Tenant);
        hierarchyItems.HasQueryFilter<TenantConnection>((i, db) => i.TenantId == db.Tenant);
        links.HasQueryFilter<TenantConnection>((l, db) => l.TenantId == db.Tenant);
        itemHistory.HasQueryFilter<TenantConnection>((h, db) => h.TenantId == db.Tenant);
        hooks.HasQueryFilter<TenantConnection>((w, db) => w.TenantId == db.Tenant);
        deadLetters.HasQueryFilter<TenantConnection>((d, db) => d.TenantId == db.Tenant);
        deletions.HasQueryFilter<TenantConnection>((d, db) => d.TenantId == db.Tenant);
        heads.HasQueryFilter<TenantConnection>((h, db) => h.TenantId == db.Tenant);
        seals.HasQueryFilter<TenantConnection>((s, db) => s.TenantId == db.Tenant);
        erasures.HasQueryFilter<TenantConnection>((e, db) => e.TenantId == db.Tenant);
        erased.HasQueryFilter<TenantConnection>((e, db) => e.TenantId == db.Tenant);

        if (names.Schema is { } name)
        {
            builder.Entity<ItemRecord>().HasSchemaName(name);
            builder.Entity<LinkRecord>().HasSchemaName(name);
            builder.Entity<ItemHistoryRecord>().HasSchemaName(name);
            builder.Entity<TargetRecord>().HasSchemaName(name);
            builder.Entity<HistoryRecord>().HasSchemaName(name);
            builder.Entity<OperationRecord>().HasSchemaName(name);
            builder.Entity<OperationItemRecord>().HasSchemaName(name);
            builder.Entity<OperationFailureRecord>().HasSchemaName(name);
            builder.Entity<WebhookRecord>().HasSchemaName(name);
            builder.Entity<DeadLetterRecord>().HasSchemaName(name);
            builder.Entity<TenantDeletionRecord>().HasSchemaName(name);
            builder.Entity<LedgerHeadRecord>().HasSchemaName(name);
            builder.Entity<LedgerSealRecord>().HasSchemaName(name);
            builder.Entity<ErasureRecord>().HasSchemaName(name);
            builder.Entity<ErasedEntryRecord>().HasSchemaName(name);
            if (names.MarketsTable)
            {
                builder.Entity<MarketRecord>().HasSchemaName(name);
            }
        }

        MapStoredTypes(builder, dialect.Schema, names.MarketsTable);
        builder.Build();
        return schema;
    }

    /// <summary>Every id, time and markets column, mapped as the dialect stores it: one list of columns for every database.</summary>
    private static void MapStoredTypes(FluentMappingBuilder builder, DialectSchema types, bool marketsTable)
    {
        var targets = builder.Entity<TargetRecord>();
        types.MapId(targets.Property(t => t.Id));
        types.MapMarkets(targets.Property(t => t.Markets));
        types.MapTime(targets.Property(t => t.CreatedAt));
        types.MapTime(targets.Property(t => t.UpdatedAt));
        types.MapTime(targets.Property(t => t.StatusChangedAt));
        if (marketsTable)
        {
            types.MapId(builder.Entity<MarketRecord>().Property(m => m.TargetId));
        }

        var history = builder.Entity<HistoryRecord>();
        types.MapId(history.Property(h => h.Id));
        types.MapId(history.Property(h => h.TargetId));
        types.MapTime(history.Property(h => h.OccurredAt));
        types.MapTime(history.Property(h => h.EffectiveAt));

        var operations = builder.Entity<OperationRecord>();
        types.MapId(operations.Property(o => o.Cursor));
        types.MapTime(operations.Property(o => o.CreatedAt));
        types.MapTime(operations.Property(o => o.EffectiveAt));
        types.MapTime(operations.Property(o => o.StartedAt));
        types.MapTime(operations.Property(o => o.LastUpdatedAt));
        types.MapTime(operations.Property(o => o.CompletedAt));
        types.MapId(builder.Entity<OperationItemRecord>().Property(i => i.TargetId));
        var failures = builder.Entity<OperationFailureRecord>();
        types.MapId(failures.Property(f => f.TargetId));
        types.MapTime(failures.Property(f => f.OccurredAt));

        var items = builder.Entity<ItemRecord>();
        types.MapId(items.Property(i => i.Id));
        types.MapTime(items.Property(i => i.CreatedAt));
        types.MapTime(items.Property(i => i.UpdatedAt));
        var links = builder.Entity<LinkRecord>();
        types.MapId(links.Property(l => l.TargetId));
        types.MapId(links.Property(l => l.ItemId));
        types.MapId(builder.Entity<StayKeyRecord>().HasTableName(Tables.Stays).Property(k => k.TargetId).HasColumnName("target_id").IsNullable(false));
        var itemHistory = builder.Entity<ItemHistoryRecord>();
        types.MapId(itemHistory.Property(h => h.Id));
        types.MapId(itemHistory.Property(h => h.ItemId));
        types.MapTime(itemHistory.Property(h => h.OccurredAt));
        var hooks = builder.Entity<WebhookRecord>();
        types.MapTime(hooks.Property(w => w.NextAttemptAt));
        types.MapTime(hooks.Property(w => w.LeaseUntil));
        var deadLetters = builder.Entity<DeadLetterRecord>();
        types.MapId(deadLetters.Property(d => d.EventId));
        types.MapId(deadLetters.Property(d => d.TargetId));
        types.MapTime(deadLetters.Property(d => d.DeadAt));
        var deletions = builder.Entity<TenantDeletionRecord>();
        types.MapId(deletions.Property(d => d.Id));
        types.MapTime(deletions.Property(d => d.DeletedAt));
        var heads = builder.Entity<LedgerHeadRecord>();
        types.MapTime(heads.Property(h => h.SealedAt));
        types.MapTime(heads.Property(h => h.LeaseUntil));
        types.MapId(builder.Entity<LedgerSealRecord>().Property(s => s.EntryId));
        var erasures = builder.Entity<ErasureRecord>();
        types.MapId(erasures.Property(e => e.Id));
        types.MapId(erasures.Property(e => e.TargetId));
        types.MapTime(erasures.Property(e => e.ErasedAt));
        var erased = builder.Entity<ErasedEntryRecord>();
        types.MapId(erased.Property(e => e.EntryId));
        types.MapId(erased.Property(e => e.ErasureId));
    }
}
