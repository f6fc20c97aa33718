using Microsoft.Extensions.Options;

namespace TargetTracking.Linq2Db;

/// <summary>
/// What every relational store is told: whether it brings its schema up to date when it starts. Each store package
/// derives its options from it (<c>SqliteStoreOptions</c>, <c>PostgreSqlStoreOptions</c>, <c>MySqlStoreOptions</c>) and
/// adds its own checks to <see cref="Validate"/>; they are validated at start-up, and when a store is built without DI.
/// </summary>
public class Linq2DbStoreOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether pending schema migrations are applied when the store starts (at host
    /// start-up, or before the store's first use without a host). When <see langword="false"/>, the store refuses to start
    /// on a database whose schema is not current: apply the migrations in a deployment step with
    /// <see cref="Linq2DbTargetStore.MigrateAsync"/>.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ApplyMigrations { get; set; } = true;

    /// <summary>Checks the options.</summary>
    /// <returns>Every problem found, each naming the setting; empty when valid.</returns>
    public virtual IReadOnlyList<string> Validate() => [];

    /// <summary>Throws when <see cref="Validate"/> finds a problem: the one way a store refuses its options.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    internal void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(GetType().Name, GetType(), problems);
        }
    }
}
