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
    /// Loads the scripts embedded under <paramref name="prefix"/> (<c>NNNN_name.sql</c>), each number once. Numbers may
    /// skip: work on parallel branches reserves its numbers ahead, and the runner applies every version a database lacks.
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
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Migration scripts must each have a number of their own; {migrations[i - 1].Name} and {migrations[i].Name} share one.");
            }
        }

        return [.. migrations];
    }
}
