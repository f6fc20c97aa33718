namespace TargetTracking.Conformance;

/// <summary>
/// Compiled samples in the docs: reads a <c>#region</c> of a test source copied to the output directory, unindented, as a page
/// must show it. Pages and sources are read from the output directory, never from source paths (CI builds map those to <c>/_/</c>).
/// </summary>
public static class DocSync
{
    /// <summary>Reads a region of a source file in the test output's <c>Docs</c> folder, unindented.</summary>
    /// <param name="sourceFile">The file name under <c>Docs</c>.</param>
    /// <param name="region">The region name.</param>
    /// <returns>The region's lines without their common indent.</returns>
    public static string Sample(string sourceFile, string region)
    {
        var source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", sourceFile));
        // The whole name: "#region sample_x" must not find "#region sample_x_type" first.
        var named = System.Text.RegularExpressions.Regex.Match(source, "#region " + System.Text.RegularExpressions.Regex.Escape(region) + @"\r?\n");
        Xunit.Assert.True(named.Success, $"{sourceFile} has no region {region}.");
        var start = named.Index + named.Length;
        var end = source.LastIndexOf('\n', source.IndexOf("#endregion", start, StringComparison.Ordinal));
        var lines = source[start..end].Split('\n');
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    /// <summary>Reads a page from the test output's <c>Docs</c> folder.</summary>
    /// <param name="page">The file name.</param>
    /// <returns>Its text.</returns>
    public static string Page(string page) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", page));

    /// <summary>Asserts that a page in the output's <c>Docs</c> folder shows a region of a sample source there, unindented, once.</summary>
    /// <param name="sourceFile">The sample source, as copied to <c>Docs</c> (for example <c>DocsSamples.cs.txt</c>).</param>
    /// <param name="page">The page, as copied to <c>Docs</c>.</param>
    /// <param name="region">The region's name.</param>
    public static void AssertShown(string sourceFile, string page, string region)
    {
        var sample = Sample(sourceFile, region).ReplaceLineEndings("\n");
        var text = Page(page).ReplaceLineEndings("\n");
        Xunit.Assert.Contains(sample, text, StringComparison.Ordinal);

        // Once: a page that shows a sample twice in a row was edited by hand, not kept by its sample.
        Xunit.Assert.Equal(text.IndexOf(sample, StringComparison.Ordinal), text.LastIndexOf(sample, StringComparison.Ordinal));
    }
}
