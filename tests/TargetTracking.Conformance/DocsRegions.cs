namespace TargetTracking.Conformance;

/// <summary>
/// Checks that a docs page shows a <c>#region</c> of a compiled sample verbatim (less its indent). Test projects copy
/// the page and the sample source to their output (<c>Docs/</c>): CI builds map source paths, so never read them there.
/// </summary>
public static class DocsRegions
{
    /// <summary>Asserts that the page in the output's Docs folder holds the region of the sample source file, unindented.</summary>
    /// <param name="sourceFile">The sample source, as copied to Docs/ (for example <c>DocsSamples.cs.txt</c>).</param>
    /// <param name="pageFile">The page, as copied to Docs/.</param>
    /// <param name="region">The region's name.</param>
    public static void AssertShown(string sourceFile, string pageFile, string region)
    {
        var source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", sourceFile)).ReplaceLineEndings("\n");
        var page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", pageFile)).ReplaceLineEndings("\n");
        Assert.Contains(Unindent(Region(source, region)), page, StringComparison.Ordinal);
    }

    private static string Region(string source, string name)
    {
        var start = source.IndexOf("#region " + name, StringComparison.Ordinal);
        Assert.True(start >= 0, $"No region {name}.");
        start = source.IndexOf('\n', start) + 1;
        var end = source.LastIndexOf('\n', source.IndexOf("#endregion", start, StringComparison.Ordinal));
        return source[start..end];
    }

    private static string Unindent(string text)
    {
        var lines = text.Split('\n');
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }
}
