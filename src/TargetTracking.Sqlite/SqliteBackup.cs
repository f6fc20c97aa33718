using Ardalis.GuardClauses;
using Microsoft.Data.Sqlite;

namespace TargetTracking.Sqlite;

/// <summary>
/// An online, consistent backup of the embedded store while writers run (docs/ledger.md, "Backup and restore"): SQLite's
/// <c>VACUUM INTO</c> copies the database as one read transaction sees it (WAL gives it a snapshot, so writers go on), into
/// a new compact file. Restore by stopping the store and putting the file in place; then verify the ledger against the
/// last digest kept outside the database, which names the first sealed position the backup lacks.
/// </summary>
public static class SqliteBackup
{
    /// <summary>Writes a consistent copy of the database to a new file.</summary>
    /// <param name="connectionString">The store's connection string (<see cref="SqliteStoreOptions.ConnectionString"/>): a file database.</param>
    /// <param name="destinationPath">The file to create; it must not exist.</param>
    /// <param name="cancellationToken">Cancels the backup (the partial file is the caller's to delete).</param>
    /// <returns>A task that completes when the copy is written.</returns>
    /// <exception cref="IOException"><paramref name="destinationPath"/> exists already.</exception>
    public static async Task BackupAsync(string connectionString, string destinationPath, CancellationToken cancellationToken = default)
    {
        Guard.Against.NullOrWhiteSpace(connectionString);
        Guard.Against.NullOrWhiteSpace(destinationPath);
        var destination = Path.GetFullPath(destinationPath);
        if (File.Exists(destination))
        {
            throw new IOException($"The backup file '{destination}' exists already; a backup writes a new file.");
        }

        // A connection of its own, outside the store's pool: the copy is one read transaction, and the permit functions of
        // the store's connections have no business here.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = "VACUUM INTO @destination";
                command.Parameters.AddWithValue("@destination", destination);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
