using TargetTracking;

namespace TargetTracking.Conformance;

public abstract partial class TargetRepositoryConformance<TFixture>
{
    private const string Rocket = "🚀";

    [Fact]
    public async Task AuditText_LongerThanTheLimit_WithASurrogatePairAtTheCut_IsCutOnACharacterBoundary_AndNeverRefusesTheChange()
    {
        var tracker = await NewTrackerAsync();
        var a511 = new string('a', AuditContext.MaxFieldLength - 1);
        var audit = new AuditContext
        {
            ActorId = "u-1",
            ActorName = a511 + Rocket + "tail",                    // the cut falls inside the pair: the pair goes whole
            UserAgent = new string('b', AuditContext.MaxFieldLength - 2) + Rocket + "x", // the pair ends at the limit: kept whole
            ClientAddress = new string('c', 2 * AuditContext.MaxFieldLength),
        };

        var created = await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), audit);
        Assert.True(created.IsSuccess, created.ToString());
        var moved = await tracker.ChangeStatusAsync(created.Value.Id, 1, "Hot", audit);
        Assert.True(moved.IsSuccess, moved.ToString());

        var history = await HistoryAsync(tracker, created.Value.Id);
        Assert.Equal(2, history.Count);
        Assert.All(history, entry =>
        {
            Assert.Equal(a511, entry.ActorName);
            Assert.Equal(new string('b', AuditContext.MaxFieldLength - 2) + Rocket, entry.UserAgent);
            Assert.Equal(new string('c', AuditContext.MaxFieldLength), entry.ClientAddress);
            Assert.True(TargetRules.IsStorable(entry.ActorName!));
        });
    }

    [Fact]
    public async Task AuditText_WithLoneSurrogatesAndNul_IsStoredTheSameWayOnEveryStore()
    {
        var tracker = await NewTrackerAsync();
        const char high = (char)0xD83D, low = (char)0xDE80;
        var audit = new AuditContext
        {
            ActorId = $"id{high}",
            ActorName = $"{low}name\0 {high}{low} ok {high}x",
            CorrelationId = $"corr{low}{high}",
            ClientAddress = "10.0.0.1\0",
            UserAgent = $"agent/{high}{high}{low}",
        };

        var created = await tracker.CreateAsync(new NewTarget("Acme"), audit);
        Assert.True(created.IsSuccess, created.ToString());
        var bulk = tracker.BeginBulk();
        bulk.ChangeStatus(created.Value.Id, 1, "Cold");
        Assert.True((await bulk.CommitAsync(audit: audit)).Succeeded);

        var history = await HistoryAsync(tracker, created.Value.Id);
        Assert.Equal(2, history.Count);
        Assert.All(history, entry =>
        {
            Assert.Equal("id\uFFFD", entry.ActorId);
            Assert.Equal($"\uFFFDname {high}{low} ok \uFFFDx", entry.ActorName);
            Assert.Equal("corr\uFFFD\uFFFD", entry.CorrelationId);
            Assert.Equal("10.0.0.1", entry.ClientAddress);
            Assert.Equal($"agent/\uFFFD{high}{low}", entry.UserAgent);
        });
    }

    // Built in code: attribute arguments cannot carry unpaired surrogates (they are stored as UTF-8).
    [Theory]
    [InlineData("nameContains", "a\0b")]
    [InlineData("market", "EU\0")]
    [InlineData("nameContains", "lone high")]
    [InlineData("market", "lone low")]
    public async Task QueryFilter_WithTextNoStoreKeeps_IsRefusedAlike_OnEveryStore(string field, string text)
    {
        var tracker = await NewTrackerAsync();
        await CreateAsync(tracker, "Acme \uFFFD", "Cold", "EU", "x\uFFFD");
        text = text switch { "lone high" => "\uD800", "lone low" => "x\uDC00", _ => text };
        var query = field == "market" ? new TargetQuery { Market = text } : new TargetQuery { NameContains = text };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => tracker.QueryAsync(query));

        Assert.Equal("query", error.ParamName);
        Assert.Contains(field + ":", error.Message, StringComparison.Ordinal);
        Assert.Equal(field, Assert.Single(TargetRules.ValidateFilter(query)!.Errors).Field);
    }
}
