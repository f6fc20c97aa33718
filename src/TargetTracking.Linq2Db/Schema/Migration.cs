using System.Globalization;
using System.Reflection;

namespace TargetTracking.Linq2Db;

/// <summary>One numbered schema change: a plain SQL script embedded in a dialect's package.</summary>
/// <param name="Version">The number; migrations run in ascending order, each once.</param>
/// <param name="Name">The script's name, recorded with the version.</param>
/// <param name="Sql">The script.</param>
internal sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>
    /// Loads the scripts embedded under <paramref name="prefix"/> (<c>NNNN_name.sql</c>), in ascending order, each number once.
    /// A gap is allowed: work done in parallel reserves its numbers, and the runner applies every version a database lacks
    /// (<see cref="MigrationRunner"/>), so a database that has 13 and 15 gets 14 when a later package brings it.
    /// </summary>
    public static IReadOnlyList<Migration> Embedded(Assembly assembly, string prefix)
    {
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[prefix.Length..^".sql".Length];
            var separator = name.IndexOf('_', StringComparison.Ordinal);
            if (separator < 1 || !int.TryParse(name[..separator], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Migration script '{resource}' is not named NNNN_name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(version, name, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version < 1 || (i > 0 && migrations[i].Version == migrations[i - 1].Version))
            {
                throw new InvalidOperationException($"Migration scripts must be numbered from 1, each number once; found {migrations[i].Name}.");
            }
        }

        return [.. migrations];
    }
}
