namespace TargetTracking.Tests;

public sealed class RulesTests
{
    [Fact]
    public void Validate_AcceptsTheLimits_AndTrimsMarkets()
    {
        var error = TargetRules.Validate(new string('n', 255), new string('d', 4000), [.. Enumerable.Range(0, 50).Select(i => $" m{i} ")], out var markets);
        Assert.Null(error);
        Assert.Equal("m0", markets[0]);
        Assert.Equal(50, markets.Count);
    }

    [Fact]
    public void Validate_NamesEveryBadField()
    {
        var error = TargetRules.Validate("a\0b", "x\0", [.. Enumerable.Range(0, 51).Select(i => $"m{i}"), "M1", new string('m', 101)], out _);
        Assert.NotNull(error);
        Assert.Equal(["name", "description", "markets", "markets[51]", "markets[52]"], error.Errors.Select(e => e.Field));
        Assert.Contains("markets: A target can have at most 50 markets; 53 were given.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsStorable_RefusesNulAndUnpairedSurrogates()
    {
        // Built in code: attribute arguments cannot carry unpaired surrogates (they are stored as UTF-8).
        const char high = (char)0xD83D, low = (char)0xDE00;
        Assert.False(TargetRules.IsStorable($"lone high {high} end"));
        Assert.False(TargetRules.IsStorable($"lone low {low}"));
        Assert.False(TargetRules.IsStorable(high.ToString()));
        Assert.False(TargetRules.IsStorable("nul \0"));
        Assert.True(TargetRules.IsStorable($"paired {high}{low} ok"));
        Assert.True(TargetRules.IsStorable(string.Empty));
        Assert.Equal("name", Assert.Single(TargetRules.Validate($"bad {low}", null, null, out _)!.Errors).Field);
    }

    [Fact]
    public void ToStorable_CutsOnACharacterBoundary_RemovesNul_AndReplacesUnpairedSurrogates()
    {
        const char high = (char)0xD83D, low = (char)0xDE80;
        Assert.Equal("abc", TargetRules.ToStorable($"abc{high}{low}", 4));
        Assert.Equal($"ab{high}{low}", TargetRules.ToStorable($"ab{high}{low}c", 4));
        Assert.Equal("ab\uFFFDc", TargetRules.ToStorable($"a\0b{low}c", 10));
        Assert.Equal("\uFFFD\uFFFD", TargetRules.ToStorable($"{high}{high}", 10));
        Assert.Equal($"\uFFFD{high}{low}", TargetRules.ToStorable($"{high}{high}{low}", 3));
        Assert.Equal("\uFFFD", TargetRules.ToStorable($"{high}", 1));
        Assert.True(TargetRules.IsStorable(TargetRules.ToStorable($"{low}x{high}", 2)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    public void Validate_RefusesBlankNames(string? name) =>
        Assert.Equal("name", Assert.Single(TargetRules.Validate(name, null, null, out _)!.Errors).Field);

    [Fact]
    public void CodePointComparer_OrdersLikeUtf8Bytes()
    {
        string[] words = ["\uE000", "😀", "a", "B", "é", "ab", "", "\uFFFF"];
        var expected = words.OrderBy(w => w, Comparer<string>.Create((x, y) => System.Text.Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(y)))).ToList();
        Assert.Equal(expected, words.Order(CodePointComparer.Instance));
        Assert.Equal(["", "B", "a", "ab", "é", "\uE000", "\uFFFF", "😀"], expected);
    }

    [Fact]
    public void Result_HoldsAValueOrAnError()
    {
        Result<int> ok = 5;
        Result<int> bad = new NotFoundError(default);
        Assert.Equal(5, ok.Value);
        Assert.Equal("not_found", bad.Match(v => "value", e => e.Code));
        Assert.Throws<InvalidOperationException>(() => bad.Value);
        Assert.Contains("not_found", bad.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_HaveDocumentedDefaults_AndValidate()
    {
        var options = new TargetTrackingOptions();
        Assert.Equal((10_000, DeletePolicy.KeepHistory, 3, TimeSpan.FromMilliseconds(50)), (options.MaxBulkItems, options.DeletePolicy, options.MaxRetryAttempts, options.RetryBaseDelay));
        Assert.Empty(options.Validate());
        options.MaxBulkItems = 0;
        options.MaxRetryAttempts = -1;
        options.RetryBaseDelay = TimeSpan.FromMinutes(2);
        options.DeletePolicy = (DeletePolicy)9;
        Assert.Equal(
            [
                "MaxBulkItems must be between 1 and 100000; it is 0.",
                "MaxRetryAttempts must be between 0 and 100; it is -1.",
                "RetryBaseDelay must be between 0 and 1 minute; it is 00:02:00.",
                "DeletePolicy '9' is not a defined policy.",
            ],
            options.Validate());
    }

    [Fact]
    public void TargetId_IsTimeOrdered_AndParses()
    {
        var clock = new FakeTimeProvider();
        var first = TargetId.New(clock);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var second = TargetId.New(clock);
        Assert.True(first.CompareTo(second) < 0);
        Assert.Equal(7, first.Value.Version);
        Assert.True(TargetId.TryParse(first.ToString(), out var parsed));
        Assert.Equal(first, parsed);
        Assert.False(TargetId.TryParse("nope", out _));
    }
}
