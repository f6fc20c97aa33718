using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Cluster.Tests.PgBouncer;

// The PostgreSQL conformance suites, on PostgreSqlFixture reached through PgBouncer in transaction mode. Not signed up here:
// FaultInjectionConformance (it kills a connection's server process by the process id the client sees, which PgBouncer
// replaces with its own) and the suites that describe one server rather than the pooler (first-call compilation counts).

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerConformance(PostgreSqlFixture f) : TargetRepositoryConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerIntegrityConformance(PostgreSqlFixture f) : IntegrityConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerHierarchyConformance(PostgreSqlFixture f) : HierarchyConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerChangeFeedConformance(PostgreSqlFixture f, ITestOutputHelper output) : ChangeFeedConformance<PostgreSqlFixture>(f, output);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerHostTransactionConformance(PostgreSqlFixture f) : HostTransactionConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerStaysTableConformance(PostgreSqlFixture f) : StaysTableConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerOperationConformance(PostgreSqlFixture f) : OperationConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerOperationCrashTests(PostgreSqlFixture f, ITestOutputHelper output) : OperationCrashTests<PostgreSqlFixture>(f, output);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerReportConformance(PostgreSqlFixture f) : ReportConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerConcurrencyConformance(PostgreSqlFixture f) : ConcurrencyConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerVerbatimStorageConformance(PostgreSqlFixture f) : VerbatimStorageConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerSetBasedWriteConformance(PostgreSqlFixture f) : SetBasedWriteConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerMigrationConformance(PostgreSqlFixture f) : MigrationConformance<PostgreSqlFixture>(f);

[Collection(PgBouncerSuites.Name)]
public sealed class PgBouncerRegistrationConformance(PostgreSqlFixture f) : RegistrationConformance<PostgreSqlFixture>(f);

/// <summary>
/// The suites through the pooler, one after another: run side by side they kept its 20 server connections busy for more than
/// a minute under a full solution run, and a suite's client timed out waiting in the queue.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PgBouncerSuites
{
    public const string Name = "PgBouncer suites";
}
