using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace TargetTracking.PostgreSql;

/// <summary>
/// Applies pending migrations to one schema. Each migration runs in its own transaction together with the
/// row that records it, under a transaction-scoped advisory lock on the schema's name: host instances that
/// start at once queue on the lock, and the later ones find the version recorded and skip it. A migration
/// that fails rolls back whole (PostgreSQL DDL is transactional), leaving the database as it was.
/// </summary>
internal sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, string schema, IReadOnlyList<Migration> migrations, ILogger logger)
{
    /// <summary>The first key of the advisory lock; the second is the hash of the schema's name.</summary>
    private const int LockClass = 0x54544B31; // "TTK1"

    private readonly string _quoted = PostgreSqlStatements.Quote(schema);

    /// <summary>Reads the highest recorded version, 0 for a schema never migrated.</summary>
    public async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT to_regclass(@table) IS NOT NULL",
                new { table = $"{_quoted}.schema_version" },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return exists
                ? await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                    $"SELECT coalesce(max(version), 0) FROM {_quoted}.schema_version", cancellationToken: cancellationToken)).ConfigureAwait(false)
                : 0;
        }
    }

    /// <summary>Applies every pending migration up to <paramref name="upTo"/> (all when <see langword="null"/>).</summary>
    /// <returns>How many migrations this call applied.</returns>
    public async Task<int> ApplyAsync(int? upTo, CancellationToken cancellationToken)
    {
        var target = upTo ?? migrations.Count;
        var current = await GetVersionAsync(cancellationToken).ConfigureAwait(false);
        var applied = 0;
        foreach (var migration in migrations)
        {
            if (migration.Version <= current || migration.Version > target)
            {
                continue;
            }

            if (await ApplyOneAsync(migration, cancellationToken).ConfigureAwait(false))
            {
                applied++;
            }
        }

        return applied;
    }

    private async Task<bool> ApplyOneAsync(Migration migration, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // Held until this transaction ends: concurrent starters wait here, then see the version recorded.
                await connection.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_advisory_xact_lock(@lockClass, hashtext(@schema))",
                    new { lockClass = LockClass, schema },
                    transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    $"""
                    CREATE SCHEMA IF NOT EXISTS {_quoted};
                    CREATE TABLE IF NOT EXISTS {_quoted}.schema_version (
                        version    integer     NOT NULL PRIMARY KEY,
                        name       text        NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    );
                    """,
                    transaction: transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
                var done = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    $"SELECT EXISTS (SELECT 1 FROM {_quoted}.schema_version WHERE version = @version)",
                    new { version = migration.Version },
                    transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (done)
                {
                    return false;
                }

                // The scripts name no schema: everything they create lands in this one.
                await connection.ExecuteAsync(new CommandDefinition(
                    $"SET LOCAL search_path TO {_quoted}", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    migration.Sql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    $"INSERT INTO {_quoted}.schema_version (version, name) VALUES (@version, @name)",
                    new { version = migration.Version, name = migration.Name },
                    transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                LogApplied(logger, migration.Name, schema);
                return true;
            }
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Applied TargetTracking migration {Migration} to schema {Schema}.")]
    private static partial void LogApplied(ILogger logger, string migration, string schema);
}
