namespace TargetTracking.PostgreSql.Tests;

/// <summary>Whatever text a caller sends is stored and returned unchanged, and matched literally by searches.</summary>
public sealed class VerbatimStorageTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
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
    };

    [Theory]
    [MemberData(nameof(HostileText))]
    public async Task HostileText_InEveryField_RoundTripsUnchanged_AndIsFoundLiterally(string text)
    {
        var store = await fixture.CreatePostgreSqlRepositoryAsync();
        var tracker = Db.Tracker(store);
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
        var tracker = Db.Tracker(await fixture.CreatePostgreSqlRepositoryAsync());
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
        var tracker = Db.Tracker(await fixture.CreatePostgreSqlRepositoryAsync(), clock: clock);

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
        var tracker = Db.Tracker(await fixture.CreatePostgreSqlRepositoryAsync(), clock: clock);
        var first = (await tracker.CreateAsync(new NewTarget("First"))).Value!;
        clock.Advance(TimeSpan.FromMicroseconds(1));
        var second = (await tracker.CreateAsync(new NewTarget("Second"))).Value!;

        // Half a microsecond after the first entry: only the second is at or after it.
        var feed = await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(first.CreatedAt.AddTicks(5), AfterId: Guid.Empty));
        Assert.Equal([second.Id], feed.Select(e => e.TargetId));
        feed = await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(first.CreatedAt.AddTicks(-5)));
        Assert.Equal([first.Id, second.Id], feed.Select(e => e.TargetId));
    }
}
