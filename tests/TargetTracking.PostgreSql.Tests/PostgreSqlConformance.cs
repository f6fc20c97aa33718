using Npgsql;
using TargetTracking.Conformance;
using Xunit.Abstractions;

namespace TargetTracking.PostgreSql.Tests;

// Every conformance suite, signed up on the run's database (PostgreSqlFixture). The cluster tests sign PostgreSqlFixture
// up again, behind PgBouncer.

public sealed class PostgreSqlConformance(PostgreSqlFixture f) : TargetRepositoryConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlIntegrityConformance(PostgreSqlFixture f) : IntegrityConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlLedgerConformance(PostgreSqlFixture f) : LedgerConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlErasureConformance(PostgreSqlFixture f) : ErasureConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlLedgerTamperConformance(PostgreSqlFixture f) : LedgerTamperConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlHierarchyConformance(PostgreSqlFixture f) : HierarchyConformance<PostgreSqlFixture>(f);
public sealed class PostgreSqlChangeFeedConformance(PostgreSqlFixture f, ITestOutputHelper output) : ChangeFeedConformance<PostgreSqlFixture>(f, output);

public sealed class PostgreSqlHostTransactionConformance(PostgreSqlFixture f) : HostTransactionConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlStaysTableConformance(PostgreSqlFixture f) : StaysTableConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlOperationConformance(PostgreSqlFixture f) : OperationConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlOperationCrashTests(PostgreSqlFixture f, ITestOutputHelper output) : OperationCrashTests<PostgreSqlFixture>(f, output);

[CollectionDefinition(FirstCallConformance<PostgreSqlFixture>.Collection, DisableParallelization = true)]
public sealed class QueryCacheCollection;

[Collection(FirstCallConformance<PostgreSqlFixture>.Collection)]
public sealed class PostgreSqlFirstCallConformance(PostgreSqlFixture f) : FirstCallConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlReportConformance(PostgreSqlFixture f) : ReportConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlFaultInjectionConformance(PostgreSqlFixture f) : FaultInjectionConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlConcurrencyConformance(PostgreSqlFixture f) : ConcurrencyConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlVerbatimStorageConformance(PostgreSqlFixture f) : VerbatimStorageConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlSetBasedWriteConformance(PostgreSqlFixture f) : SetBasedWriteConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlMigrationConformance(PostgreSqlFixture f) : MigrationConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlRegistrationConformance(PostgreSqlFixture f) : RegistrationConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlTenancyConformance(PostgreSqlFixture f) : TenancyConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlWebhookConformance(PostgreSqlFixture f) : WebhookConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlWebhookCrashTests(PostgreSqlFixture f) : WebhookCrashTests<PostgreSqlFixture>(f);

/// <summary>A schema per tenant, per store, on the run's database (each tenant's store migrates its own schema).</summary>
public sealed class PostgreSqlDatabasePerTenantFixture : DatabasePerTenantFixture
{
    private NpgsqlDataSource? _dataSource;

    public override async Task InitializeAsync() => _dataSource = NpgsqlDataSource.Create(await PostgreSqlServer.GetConnectionStringAsync());

    protected override Linq2DbDialect NewDialect() => PostgreSqlDialect.Create();

    protected override Linq2DbTargetStore OpenDatabase(string store, string tenant, Microsoft.Extensions.Logging.ILogger<Linq2DbTargetStore> logger) =>
        PostgreSqlDialect.CreateStore(_dataSource!, new PostgreSqlStoreOptions { Schema = $"{store}_{tenant}" }, logger);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}

public sealed class PostgreSqlDatabasePerTenantConformance(PostgreSqlDatabasePerTenantFixture f) : DatabasePerTenantConformance<PostgreSqlDatabasePerTenantFixture>(f);

public sealed class PostgreSqlDatabasePerTenantTenancyConformance(PostgreSqlDatabasePerTenantFixture f) : TenancyConformance<PostgreSqlDatabasePerTenantFixture>(f);

public sealed class PostgreSqlDatabasePerTenantRepositoryConformance(PostgreSqlDatabasePerTenantFixture f) : TargetRepositoryConformance<PostgreSqlDatabasePerTenantFixture>(f);

public sealed class PostgreSqlTenantExportConformance(PostgreSqlFixture f) : TenantExportConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlTenantPurgeConformance(PostgreSqlFixture f) : TenantPurgeConformance<PostgreSqlFixture>(f);
