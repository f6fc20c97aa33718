using TargetTracking.Linq2Db;

namespace TargetTracking.MySql;

/// <summary>Options of the MariaDB/MySQL store, validated at start-up.</summary>
public sealed class MySqlStoreOptions : Linq2DbStoreOptions
{
    /// <summary>The shortest <see cref="MigrationLockTimeout"/> accepted.</summary>
    public static readonly TimeSpan MinMigrationLockTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The longest <see cref="MigrationLockTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxMigrationLockTimeout = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets how long a migrating host waits for another host's migration to finish (the <c>GET_LOCK</c>
    /// timeout, in whole seconds) before it gives up with a <see cref="TimeoutException"/>.
    /// </summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan MigrationLockTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public override IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MigrationLockTimeout < MinMigrationLockTimeout || MigrationLockTimeout > MaxMigrationLockTimeout)
        {
            problems.Add($"MySqlStoreOptions.MigrationLockTimeout must be between {MinMigrationLockTimeout} and {MaxMigrationLockTimeout}; it is {MigrationLockTimeout}.");
        }

        return problems;
    }
}
