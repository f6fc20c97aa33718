namespace TargetTracking.MySql;

/// <summary>Options of the MariaDB/MySQL store, validated at start-up.</summary>
public sealed class MySqlStoreOptions
{
    /// <summary>The shortest <see cref="MigrationLockTimeout"/> accepted.</summary>
    public static readonly TimeSpan MinMigrationLockTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The longest <see cref="MigrationLockTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxMigrationLockTimeout = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets a value indicating whether pending schema migrations are applied at start-up (and, without a
    /// host, before the store's first use). When <see langword="false"/>, the store refuses to start on a database
    /// whose schema is not current: apply the migrations in a deployment step with
    /// <see cref="MySqlTargetRepository.MigrateAsync"/>.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ApplyMigrations { get; set; } = true;

    /// <summary>
    /// Gets or sets how long a migrating host waits for another host's migration to finish (the <c>GET_LOCK</c>
    /// timeout, in whole seconds) before it gives up with a <see cref="TimeoutException"/>.
    /// </summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan MigrationLockTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks the options.</summary>
    /// <returns>Every problem found, each naming the setting; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MigrationLockTimeout < MinMigrationLockTimeout || MigrationLockTimeout > MaxMigrationLockTimeout)
        {
            problems.Add($"MySqlStoreOptions.MigrationLockTimeout must be between {MinMigrationLockTimeout} and {MaxMigrationLockTimeout}; it is {MigrationLockTimeout}.");
        }

        return problems;
    }
}
