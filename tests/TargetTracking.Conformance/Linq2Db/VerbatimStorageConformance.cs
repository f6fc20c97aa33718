namespace TargetTracking.Conformance;

/// <summary>
/// Whatever text a caller sends is stored and returned unchanged, and matched literally by searches: text that means
/// something to one database's SQL (quotes, dollar quoting, backticks, escapes, LIKE wildcards) is plain text to every
/// one. Names sort and compare by code point, as the in-memory model does.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class VerbatimStorageConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbStoreFixture
{
    private async Task<TargetTracker> TrackerAsync(TimeProvider? clock = null) => TestTracker.For((await fixture.CreateLinq2DbStoreAsync()).Store, clock: clock);

    public static TheoryData<string> HostileText => new()
    {
        "O'Brien & \"Sons\"",
        "Robert'); DROP TABLE targets; --",
        "x' OR '1'='1",
        "$1 $2::text @name :param ?",
        "100% _wild_ [card] \\escape\\",
        "$$ dollar $$ $tag$ quoted $tag$",
        "/* comment */ -- line comment",
        "emoji 🚀👩‍💻🇩🇪 and ẞ ǅ İ",
        "control \u0001\u0007\u001b[31m\t\r\n\u007f\u0085 end",
        "bidi \u202eevil\u202c zero\u200bwidth",
        "E'\\x41' U&'\\0041' \\N",
        "{\"json\": [1, 2]} {a,b} ARRAY['x']",
        "`backtick` ``; SHOW TABLES; \\' \\\" \\Z \\%",
        "trailing spaces and tab   \t",
        "JSON_TABLE('[1]', '$[*]' COLUMNS (x INT PATH '$')) \u2028\u2029",
        "supplementary 𝄞 𠜎 \U0001F9EC and \uE000\uFFFD\uFFFF",
    };

    [Theory]
    [MemberData(nameof(HostileText))]
    public async Task HostileText_InEveryField_RoundTripsUnchanged_AndIsFoundLiterally(string text)
    {
        var tracker = await TrackerAsync();
        var audit = new AuditContext { ActorId = text, ActorName = text, CorrelationId = text, ClientAddress = text, UserAgent = text };
        var markets = new[] { text.Trim(), "plain" };

        var created = await tracker.CreateAsync(new NewTarget(text, text, markets), audit);
        Assert.True(created.IsSuccess, created.ToString());
        await tracker.CreateAsync(new NewTarget("Decoy", "decoy", ["other"]));

        var read = (await tracker.GetAsync(created.Value.Id)).Value!;
        Assert.Equal(text, read.Name);
        Assert.Equal(text, read.Description);
        Assert.Equal(markets, read.Markets);
        Assert.True(created.Value.SameAs(read));

        var entry = Assert.Single(await tracker.GetHistoryAsync(read.Id));
        Assert.Equal((text, text, text, text, text), (entry.ActorId, entry.ActorName, entry.CorrelationId, entry.ClientAddress, entry.UserAgent));

        var byName = await tracker.QueryAsync(new TargetQuery { NameContains = text });
        Assert.Equal([read.Id], byName.Items.Select(t => t.Id));
        var byMarket = await tracker.QueryAsync(new TargetQuery { Market = text.Trim() });
        Assert.Equal([read.Id], byMarket.Items.Select(t => t.Id));

        // Updated text, in a bulk, takes the set-based path with the same result.
        var bulk = tracker.BeginBulk();
        bulk.Update(read.Id, 1, new TargetUpdate(text + "'", text + "\"", [text.Trim() + "%"]));
        Assert.True((await bulk.CommitAsync()).Succeeded);
        var updated = (await tracker.GetAsync(read.Id)).Value!;
        Assert.Equal((text + "'", text + "\"", text.Trim() + "%"), (updated.Name, updated.Description, updated.Markets[0]));
    }

    [Fact]
    public async Task LikePatterns_AreNotWildcards_InNameAndMarketSearch()
    {
        var tracker = await TrackerAsync();
        await tracker.CreateAsync(new NewTarget("abc", Markets: ["EU"]));
        await tracker.CreateAsync(new NewTarget("a%c", Markets: ["E_"]));

        Assert.Equal(["a%c"], (await tracker.QueryAsync(new TargetQuery { NameContains = "%" })).Items.Select(t => t.Name));
        Assert.Equal(["a%c"], (await tracker.QueryAsync(new TargetQuery { Market = "e_" })).Items.Select(t => t.Name));
        Assert.Empty((await tracker.QueryAsync(new TargetQuery { NameContains = "a_c" })).Items);
    }

    [Fact]
    public async Task Timestamps_ComeBackInUtc_EqualToWhatWasStored()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 29, 1, 59, 59, 123, 456, TimeSpan.FromHours(2)).AddTicks(7));
        var tracker = await TrackerAsync(clock);

        var created = (await tracker.CreateAsync(new NewTarget("Timed", Status: "Cold"))).Value!;
        var read = (await tracker.GetAsync(created.Id)).Value!;
        var entry = Assert.Single(await tracker.GetHistoryAsync(created.Id));

        Assert.Equal(TimeSpan.Zero, read.CreatedAt.Offset);
        Assert.Equal(TimeSpan.Zero, entry.OccurredAt.Offset);
        Assert.Equal(clock.GetUtcNow().UtcDateTime.AddTicks(-7), read.CreatedAt.UtcDateTime);
        Assert.Equal((created.CreatedAt, created.UpdatedAt, created.StatusChangedAt), (read.CreatedAt, read.UpdatedAt, read.StatusChangedAt));
        Assert.Equal(created.CreatedAt, entry.OccurredAt);
    }

    [Fact]
    public async Task HistoryFeed_StartingBetweenTwoMicroseconds_MatchesTheModel()
    {
        var clock = new FakeTimeProvider();
        var tracker = await TrackerAsync(clock);
        var first = (await tracker.CreateAsync(new NewTarget("First"))).Value!;
        clock.Advance(TimeSpan.FromMicroseconds(1));
        var second = (await tracker.CreateAsync(new NewTarget("Second"))).Value!;

        // Half a microsecond after the first entry: only the second is at or after it.
        var feed = await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(first.CreatedAt.AddTicks(5), AfterId: Guid.Empty));
        Assert.Equal([second.Id], feed.Select(e => e.TargetId));
        feed = await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(first.CreatedAt.AddTicks(-5)));
        Assert.Equal([first.Id, second.Id], feed.Select(e => e.TargetId));
    }

    [Fact]
    public async Task Names_SortByCodePoint_LikeTheModel_WithSupplementaryCharactersAndTrailingSpaces()
    {
        // Code point order with no padding: a padding collation (MariaDB's utf8mb4_bin) puts "a\t" before "a" and "a" equal to "a ".
        string[] names = ["b", "a ", "a", "a\t", "\uE000", "\U0001F600", "\uFFFD", "A", "é", "\U0001F600!", "a  "];
        var tracker = await TrackerAsync();
        foreach (var name in names)
        {
            Assert.True((await tracker.CreateAsync(new NewTarget(name))).IsSuccess, name);
        }

        var expected = names.Order(CodePointComparer.Instance).ToList();
        Assert.Equal(expected, (await tracker.QueryAsync(new TargetQuery { Take = 100 })).Items.Select(t => t.Name));
        expected.Reverse();
        Assert.Equal(expected, (await tracker.QueryAsync(new TargetQuery { Take = 100, Descending = true })).Items.Select(t => t.Name));
    }

    [Fact]
    public async Task Searches_CompareBinary_WithoutAccentOrWidthFolding()
    {
        var tracker = await TrackerAsync();
        await tracker.CreateAsync(new NewTarget("Été Café", Markets: ["Ü-Land"]));
        await tracker.CreateAsync(new NewTarget("Straße", Markets: ["ＥＵ"]));
        await tracker.CreateAsync(new NewTarget("plain", Markets: ["U-LAND"]));

        // Case is folded by the core (upper-invariant on both sides); nothing else is, unlike a *_ci collation or ILIKE.
        Assert.Equal(["Été Café"], await NamesAsync(tracker, new TargetQuery { NameContains = "été" }));
        Assert.Empty(await NamesAsync(tracker, new TargetQuery { NameContains = "ete" }));
        Assert.Equal(["Straße"], await NamesAsync(tracker, new TargetQuery { NameContains = "ß" }));
        Assert.Empty(await NamesAsync(tracker, new TargetQuery { NameContains = "strasse" }));
        Assert.Equal(["Été Café"], await NamesAsync(tracker, new TargetQuery { Market = "ü-land" }));
        Assert.Equal(["plain"], await NamesAsync(tracker, new TargetQuery { Market = "u-land" }));
        Assert.Equal(["Straße"], await NamesAsync(tracker, new TargetQuery { Market = "ＥＵ" }));
        Assert.Empty(await NamesAsync(tracker, new TargetQuery { Market = "eu" }));
    }

    private static async Task<List<string>> NamesAsync(TargetTracker tracker, TargetQuery query) =>
        [.. (await tracker.QueryAsync(query)).Items.Select(t => t.Name)];
}
