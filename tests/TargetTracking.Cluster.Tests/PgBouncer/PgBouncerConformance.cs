using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Cluster.Tests.PgBouncer;

// The PostgreSQL conformance suites, on PostgreSqlFixture reached through PgBouncer in transaction mode. Not signed up here:
// FaultInjectionConformance (it kills a connection's server process by the process id the client sees, which PgBouncer
// replaces with its own) and the suites that describe one server rather than the pooler (first-call compilation counts).

public sealed class PgBouncerConformance(PostgreSqlFixture f) : TargetRepositoryConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerIntegrityConformance(PostgreSqlFixture f) : IntegrityConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerHierarchyConformance(PostgreSqlFixture f) : HierarchyConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerChangeFeedConformance(PostgreSqlFixture f, ITestOutputHelper output) : ChangeFeedConformance<PostgreSqlFixture>(f, output);

public sealed class PgBouncerHostTransactionConformance(PostgreSqlFixture f) : HostTransactionConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerStaysTableConformance(PostgreSqlFixture f) : StaysTableConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerOperationConformance(PostgreSqlFixture f) : OperationConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerOperationCrashTests(PostgreSqlFixture f, ITestOutputHelper output) : OperationCrashTests<PostgreSqlFixture>(f, output);

public sealed class PgBouncerReportConformance(PostgreSqlFixture f) : ReportConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerConcurrencyConformance(PostgreSqlFixture f) : ConcurrencyConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerVerbatimStorageConformance(PostgreSqlFixture f) : VerbatimStorageConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerSetBasedWriteConformance(PostgreSqlFixture f) : SetBasedWriteConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerMigrationConformance(PostgreSqlFixture f) : MigrationConformance<PostgreSqlFixture>(f);

public sealed class PgBouncerRegistrationConformance(PostgreSqlFixture f) : RegistrationConformance<PostgreSqlFixture>(f);
