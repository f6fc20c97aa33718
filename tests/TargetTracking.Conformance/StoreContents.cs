using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>Reads everything a tracker's store holds, page by page, for assertions over the whole store.</summary>
public static class StoreContents
{
    /// <summary>Every target, in creation order.</summary>
    public static async Task<List<Target>> TargetsAsync(TargetTracker tracker)
    {
        var all = new List<Target>();
        var query = new TargetQuery { SortBy = TargetSort.CreatedAt, Take = TargetQuery.MaxTake };
        while (true)
        {
            var page = await tracker.QueryAsync(query);
            all.AddRange(page.Items);
            if (page.Items.Count < query.Take)
            {
                return all;
            }

            query = query with { Skip = query.Skip + query.Take };
        }
    }

    /// <summary>Every history entry of every target, in feed order.</summary>
    public static async Task<List<HistoryEntry>> HistoryAsync(TargetTracker tracker)
    {
        var all = new List<HistoryEntry>();
        var request = new HistoryFeedRequest(DateTimeOffset.MinValue, Limit: 1000);
        while (true)
        {
            var page = await tracker.GetHistoryFeedAsync(request);
            all.AddRange(page);
            if (page.Count < request.Limit)
            {
                return all;
            }

            request = request with { Since = page[^1].OccurredAt, AfterId = page[^1].Id };
        }
    }
}
