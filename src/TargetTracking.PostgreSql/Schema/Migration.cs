using System.Globalization;
using System.Reflection;

namespace TargetTracking.PostgreSql;

/// <summary>One numbered schema migration: a plain SQL script shipped inside the package.</summary>
/// <param name="Version">The number; migrations run in ascending order, each once.</param>
/// <param name="Name">The script's name, recorded with the version.</param>
/// <param name="Sql">The script; it runs with <c>search_path</c> set to the store's schema.</param>
internal sealed record Migration(int Version, string Name, string Sql)
{
    private const string Prefix = "TargetTracking.PostgreSql.Migrations.";

    /// <summary>Gets the migrations embedded in this assembly (<c>Migrations/NNNN_name.sql</c>), in order.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = Load();

    private static Migration[] Load()
    {
        var assembly = typeof(Migration).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[Prefix.Length..^".sql".Length];
            var separator = name.IndexOf('_', StringComparison.Ordinal);
            if (separator < 1 || !int.TryParse(name[..separator], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Migration script '{resource}' is not named NNNN_name.sql.");
            }

            migrations.Add(new Migration(version, name, Read(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migration scripts must be numbered 1, 2, 3… without gaps; found {migrations[i].Name} at position {i + 1}.");
            }
        }

        return [.. migrations];
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
