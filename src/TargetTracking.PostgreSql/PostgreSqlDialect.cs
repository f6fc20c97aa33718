using System.Data;
using System.Globalization;
using System.Linq.Expressions;
using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider;
using LinqToDB.DataProvider.PostgreSQL;
using LinqToDB.Mapping;
using Microsoft.Extensions.Options;
using Npgsql;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>
/// PostgreSQL on the linq2db store: one schema, <c>uuid</c> keys, <c>timestamptz</c> times, markets as
/// <c>text[]</c> with a GIN index, <c>SELECT … FOR UPDATE</c> row locks, migrations under an advisory lock, history
/// guarded by triggers, and unit-of-work writes as one batch of <c>unnest</c> statements.
/// </summary>
public sealed class PostgreSqlDialect : Linq2DbDialect
{
    /// <summary>The first key of the migration advisory lock; the second is the hash of the schema's name.</summary>
    private const int LockClass = 0x54544B31; // "TTK1"

    private readonly string _quoted;

    private PostgreSqlDialect(string schema)
    {
        Schema = schema;
        _quoted = PostgreSqlStatements.Quote(schema);
        Statements = new PostgreSqlStatements(schema);
        Tables = new TableNames(schema, "targets", null, "target_history", "target_operations", "target_operation_items", "target_operation_failures", "cursor_id", "seq");
        StaysRefresh = StaysTable.Refresh(this, column => $"{column} = ANY($1::uuid[])");
    }

    /// <summary>Gets the linq2db provider the store uses: PostgreSQL SQL as of 9.5 (<c>ON CONFLICT</c>), which every supported server speaks.</summary>
    public static IDataProvider DataProvider { get; } = PostgreSQLTools.GetDataProvider(PostgreSQLVersion.v95);

    /// <summary>Gets the schema that holds the store's tables.</summary>
    public string Schema { get; }

    /// <summary>Gets the schema scripts shipped in this package (<c>Schema/Migrations/NNNN_name.sql</c>), in order.</summary>
    internal static IReadOnlyList<Migration> EmbeddedMigrations { get; } = Migration.Embedded(typeof(PostgreSqlDialect).Assembly, "TargetTracking.PostgreSql.Migrations.");

    /// <inheritdoc />
    public override string Name => "PostgreSQL";

    internal override IDataProvider Provider => DataProvider;

    internal override string MappingKey => "PostgreSQL:" + Schema;

    internal override TableNames Tables { get; }

    internal override IReadOnlyList<Migration> Migrations => EmbeddedMigrations;

    internal override string VersionTable => $"{_quoted}.target_tracking_migrations";

    internal PostgreSqlStatements Statements { get; }

    /// <summary>Gets the statements that recompute the stays of the targets in the array <c>$1</c> (<see cref="StaysTable.Refresh"/>).</summary>
    internal (string Delete, string Insert) StaysRefresh { get; }

    /// <summary>Gets a value indicating whether a stale schema is refused: not here, hosts may start before a deployment step migrates (as since 0.1).</summary>
    internal override bool RefusesStaleSchema => false;

    internal override Expression<Func<TargetRecord, string>> NameKey => t => Sql.Collate(t.Name, "C");

    /// <summary>Creates the dialect for a schema.</summary>
    /// <param name="schema">The schema: letters, digits and underscores, not starting with a digit, at most 63 characters.</param>
    /// <returns>The dialect.</returns>
    /// <exception cref="OptionsValidationException">The schema name is not valid.</exception>
    public static PostgreSqlDialect Create(string schema = PostgreSqlStoreOptions.DefaultSchema)
    {
        Guard.Against.Null(schema);
        var problems = new PostgreSqlStoreOptions { Schema = schema }.Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(PostgreSqlStoreOptions), typeof(PostgreSqlStoreOptions), problems);
        }

        return new PostgreSqlDialect(schema);
    }

    /// <summary>Gets linq2db options that take connections from a data source, which stays the caller's.</summary>
    /// <param name="dataSource">Where connections come from.</param>
    /// <returns>The options.</returns>
    public static DataOptions Options(NpgsqlDataSource dataSource)
    {
        Guard.Against.Null(dataSource);
        return new DataOptions().UseConnectionFactory(DataProvider, _ => dataSource.CreateConnection());
    }

    /// <summary>
    /// Writes the grants of the least-privilege setup: what an application role needs to run the store on this schema, and
    /// nothing more. Run them as the migration role (the owner of the schema) after <see cref="Linq2DbTargetStore.MigrateAsync"/>,
    /// and again after each upgrade; the application then connects as <paramref name="role"/> with migrations off. The role
    /// reads and appends history but can neither update, delete nor truncate it, disable its triggers, or switch a purge on.
    /// </summary>
    /// <param name="role">The application role: letters, digits and underscores, not starting with a digit, at most 63 characters.</param>
    /// <param name="allowHistoryPurge">
    /// Whether the role may run the <see cref="DeletePolicy.PurgeHistory"/> policy (delete a target together with its history);
    /// leave it off where the policy is not used, so the role cannot erase any history at all.
    /// </param>
    /// <returns>The SQL script (<c>GRANT</c> statements, schema and role quoted).</returns>
    /// <exception cref="ArgumentException"><paramref name="role"/> is not a valid role name.</exception>
    public string ApplicationRoleGrants(string role, bool allowHistoryPurge)
    {
        Guard.Against.Null(role);
        Guard.Against.InvalidInput(role, nameof(role), PostgreSqlStoreOptions.IsIdentifier, $"'{role}' is not a role name the store accepts: use letters, digits and underscores, not starting with a digit, at most 63 characters.");
        var r = PostgreSqlStatements.Quote(role);
        var s = _quoted;
        var grants =
            $"""
            GRANT USAGE ON SCHEMA {s} TO {r};
            GRANT SELECT ON {s}.target_tracking_migrations TO {r};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.targets TO {r};
            GRANT SELECT, INSERT ON {s}.target_history TO {r};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.target_operations, {s}.target_operation_items, {s}.target_operation_failures TO {r};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.hierarchy_items, {s}.outcome_links TO {r};
            GRANT SELECT, INSERT ON {s}.hierarchy_history TO {r};
            GRANT SELECT, INSERT, DELETE ON {s}.stagnation_claims TO {r};
            GRANT SELECT, INSERT, DELETE ON {s}.target_stays TO {r};

            """;
        return allowHistoryPurge
            ? grants + $"\nGRANT EXECUTE ON FUNCTION {s}.delete_targets_purging_history(uuid[], bigint[]) TO {r};\n"
            : grants + $"\nREVOKE EXECUTE ON FUNCTION {s}.delete_targets_purging_history(uuid[], bigint[]) FROM {r};\n";
    }

    internal override void Map(FluentMappingBuilder builder)
    {
        // A DateTimeOffset without a data type would go out as timestamp without time zone.
        var targets = builder.Entity<TargetRecord>();
        targets.Property(t => t.CreatedAt).HasDataType(DataType.DateTimeOffset);
        targets.Property(t => t.UpdatedAt).HasDataType(DataType.DateTimeOffset);
        targets.Property(t => t.StatusChangedAt).HasDataType(DataType.DateTimeOffset);
        builder.Entity<HistoryRecord>().Property(h => h.OccurredAt).HasDataType(DataType.DateTimeOffset);
        var operations = builder.Entity<OperationRecord>();
        operations.Property(o => o.CreatedAt).HasDataType(DataType.DateTimeOffset);
        operations.Property(o => o.StartedAt).HasDataType(DataType.DateTimeOffset);
        operations.Property(o => o.LastUpdatedAt).HasDataType(DataType.DateTimeOffset);
        operations.Property(o => o.CompletedAt).HasDataType(DataType.DateTimeOffset);
        builder.Entity<OperationFailureRecord>().Property(f => f.OccurredAt).HasDataType(DataType.DateTimeOffset);
        var items = builder.Entity<ItemRecord>();
        items.Property(i => i.CreatedAt).HasDataType(DataType.DateTimeOffset);
        items.Property(i => i.UpdatedAt).HasDataType(DataType.DateTimeOffset);
        builder.Entity<ItemHistoryRecord>().Property(h => h.OccurredAt).HasDataType(DataType.DateTimeOffset);
    }

    internal override Task LockMigrationsAsync(DataConnection db, CancellationToken cancellationToken) =>
        // Held until the migration transaction ends: concurrent starters wait here, then see the versions recorded.
        db.ExecuteAsync(
            "SELECT pg_advisory_xact_lock(@lockClass, hashtext(@schema))",
            cancellationToken,
            new DataParameter("lockClass", LockClass, DataType.Int32),
            new DataParameter("schema", Schema, DataType.Text));

    internal override Task PrepareMigrationsAsync(DataConnection db, CancellationToken cancellationToken) =>
        // The scripts name no schema: everything they create lands in this one. The version table is read before any
        // script runs, so no script can rename it: a schema last migrated before version 10 still calls it
        // schema_version, and it takes here the name the other databases give it.
        db.ExecuteAsync(
            $"""
            CREATE SCHEMA IF NOT EXISTS {_quoted};
            DO $$
            BEGIN
                IF to_regclass('{_quoted}.schema_version') IS NOT NULL AND to_regclass('{VersionTable}') IS NULL THEN
                    ALTER TABLE {_quoted}.schema_version RENAME TO target_tracking_migrations;
                    ALTER TABLE {VersionTable} RENAME CONSTRAINT schema_version_pkey TO target_tracking_migrations_pkey;
                END IF;
            END;
            $$;
            CREATE TABLE IF NOT EXISTS {VersionTable} (
                version    integer     NOT NULL PRIMARY KEY,
                name       text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            SET LOCAL search_path TO {_quoted}, pg_temp;
            """,
            cancellationToken);

    internal override async Task<bool> VersionTableExistsAsync(DataConnection db, CancellationToken cancellationToken) =>
        await db.ExecuteAsync<bool>("SELECT to_regclass(@table) IS NOT NULL", cancellationToken, new DataParameter("table", VersionTable, DataType.Text)).ConfigureAwait(false);

    internal override Task BeginWriteAsync(DataConnection db, CancellationToken cancellationToken) =>
        // Npgsql sends BEGIN with the session's first statement: no round trip of its own.
        db.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

    internal override Task BeginSnapshotReadAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    // EXTRACT(EPOCH …) is numeric since PostgreSQL 14: exact for whole microseconds.
    internal override string ReportMicros(string column) => $"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint";

    // A report's scope of the stays table once, in a temporary table the report's transaction drops: every figure then
    // reads it. Measured at 100,000 targets with the stays table (docs/benchmarks.md, Reports): reading the table in
    // each statement instead took as long for the pipeline report and three times as long for the cohort report
    // (its targets picked again in each statement).
    internal override ReportScratch? ReportScratch { get; } = new(
        "tt_report_scope",
        "CREATE TEMP TABLE tt_report_scope (tid uuid, st text, ver bigint, entered bigint, exited bigint, nst text, del int) ON COMMIT DROP",
        "ANALYZE tt_report_scope",
        "NOT MATERIALIZED");

    // percentile_disc(f) takes rank ceil(f × n) in double precision, and 0.9 × n lands just above a whole number for
    // some n (0.9 × 70 = 63.00000000000001): one value too far. Asking for a fraction 10⁻¹² below keeps the exact rule
    // r×100 ≥ n×p for every n below 10¹⁰, since n×p/100 is then never within n×10⁻¹² under a whole number unless it is
    // one. One sort per status instead of two window passes and a spool: about a second of a report at 1,000,000 targets.
    internal override string? Percentile(int percent, string value) =>
        string.Create(CultureInfo.InvariantCulture, $"percentile_disc({(percent / 100m) - 0.000000000001m}) WITHIN GROUP (ORDER BY {value})");

    internal override DataParameter TimeParameter(string name, DateTimeOffset value) => new(name, value.ToUniversalTime(), DataType.DateTimeOffset);

    internal override DataParameter IdParameter(string name, Guid id) => new(name, id, DataType.Guid);

    internal override string Qualify(string table) => $"{_quoted}.{table}";

    internal override string InsertIgnore(string table, string columns, string values) => $"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING";

    internal override IQueryable<T> ForUpdate<T>(IQueryable<T> query) => query.AsPostgreSQL().ForUpdateHint();

    internal override Expression<Func<TargetRecord, bool>> IdIn(Guid[] ids) => t => Sql.Ext.PostgreSQL().ValueIsEqualToAny(t.Id, ids);

    internal override Expression<Func<TargetRecord, bool>> HasMarket(IDataContext db, string market) => t => ContainsMarket(t.MarketsNorm, market);

    internal override Task<WriteCounts> WriteAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        PostgreSqlBulkWriter.WriteAsync(
            (NpgsqlConnection)ConnectionOf(db)!, (NpgsqlTransaction)db.Transaction!, Statements, StaysRefresh, changes, locked, cancellationToken);

    internal override bool CommitsWithLastWrite => true;

    internal override Task<WriteCounts> WriteAndCommitAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        PostgreSqlBulkWriter.WriteAsync(
            (NpgsqlConnection)ConnectionOf(db)!, (NpgsqlTransaction)db.Transaction!, Statements, StaysRefresh, changes, locked, cancellationToken, commit: true);

    internal override async Task<long> InsertOperationItemsAsync(DataConnection db, string operationId, Guid[] ids, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            Statements.InsertOperationItems,
            cancellationToken,
            new DataParameter("id", operationId, DataType.Text),
            new DataParameter("ids", ids) { DbType = "uuid[]" }).ConfigureAwait(false);

    internal override IFeedListener? Listen(Func<DataConnection> connect) => new PostgreSqlFeedListener(connect, Schema);

    internal override bool IsTransient(Exception exception) => PostgresErrors.IsTransient(exception);

    internal override Exception? Translate(Exception exception) => PostgresErrors.Translate(exception);

    /// <summary>Containment in the normalized markets array: <c>@&gt;</c> is what the GIN index serves.</summary>
    [Sql.Expression("{0} @> ARRAY[{1}]::text[]", IsPredicate = true, ServerSideOnly = true)]
    private static bool ContainsMarket(string[] marketsNorm, string market) => throw new InvalidOperationException("Runs only in SQL.");
}
