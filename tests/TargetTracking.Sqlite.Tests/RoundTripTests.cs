using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

public sealed class RoundTripTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    public static TheoryData<string> HostileText =>
    [
        "O'Brien \"quoted\" `ticked` [bracketed]",
        "Robert'); DROP TABLE targets; --",
        "1 OR 1=1; DELETE FROM target_history WHERE 1=1 /* comment */",
        "% _ LIKE wildcards * ? GLOB",
        "$1 @Name :name ?1 parameters",
        "emoji 🚀 family 👩‍👩‍👧 flag 🇩🇪 skin 👍🏽",
        "control \u0001 \u0007 \u001b[31m \u001f \u007f \u0085 chars",
        "lines\r\nand\ttabs\nend",
        "ünïcödé ß İstanbul ǅ ﬁ Ω µ",
        "back\\slash \\\\ and \\' escape",
        "json \"]\", {\"a\": [1]} \\u0000",
        "\uFEFF bom and \u200B zero width \u202E rtl",
    ];

    [Theory]
    [MemberData(nameof(HostileText))]
    public async Task HostileText_RoundTripsVerbatim_AndIsFoundLiterally(string text)
    {
        var repository = await fixture.CreateRepositoryAsync();
        var tracker = new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider());
        var decoy = (await tracker.CreateAsync(new NewTarget("decoy", Markets: ["decoy"]))).Ok();

        var created = await tracker.CreateAsync(new NewTarget(text, text, [text, "x" + text]), new AuditContext { ActorName = text, UserAgent = text, CorrelationId = text });

        Assert.True(created.IsSuccess, created.ToString());
        var read = await repository.GetAsync(created.Value.Id);
        Assert.True(created.Value.SameAs(read), $"{created.Value} != {read}");
        Assert.Equal(text, read!.Name);
        Assert.Equal(text, read.Description);
        Assert.Equal([text.Trim(), "x" + text.Trim()], read.Markets);
        var entry = Assert.Single(await repository.GetHistoryAsync(read.Id, new HistoryPageRequest()));
        Assert.Equal(text, entry.ActorName);
        Assert.Equal(text, entry.UserAgent);
        Assert.Equal(text, entry.CorrelationId);

        var byName = await tracker.QueryAsync(new TargetQuery { NameContains = text });
        Assert.Equal([read.Id], byName.Items.Select(t => t.Id));
        var byMarket = await tracker.QueryAsync(new TargetQuery { Market = text });
        Assert.Equal([read.Id], byMarket.Items.Select(t => t.Id));
        Assert.Equal(2, (await tracker.QueryAsync()).TotalCount);
        Assert.NotNull(await repository.GetAsync(decoy.Id));
    }
}
