using System.Text;

namespace TargetTracking.Dashboard.Tests.Package;

/// <summary>
/// 100 malformed requests per endpoint family, from a fixed seed: broken and truncated JSON, wrong types, huge numbers,
/// NUL and unpaired surrogates, unknown properties, bad ids, dates and versions. None may be answered with a 5xx.
/// </summary>
public sealed class MalformedRequestTests : IAsyncLifetime
{
    private const int PerFamily = 100;

    private static readonly string[] Values =
    [
        "", "-1", "0", "1", "99999999999999999999", "1e309", "-9223372036854775808", "abc", "null", "%00", "' OR 1=1 --", "NaN",
        "2026-13-45", "2026-01-01T00:00:00Z", "0001-01-01", "9999-12-31T23:59:59Z", "true", "[]", "{}", "Zo%C3%AB", "%ED%A0%80",
        new string('x', 5000), "Active", "NotSet", "allOrNothing", "partial", "trustHistory", Guid.Empty.ToString(), "00000000-0000",
    ];

    private static readonly string[] Keys =
    [
        "name", "description", "markets", "status", "expectedVersion", "mode", "items", "id", "title", "targetDate", "sprintName",
        "startDate", "endDate", "priority", "dueDate", "operationId", "filter", "ids", "batchSize", "policy", "statuses", "market",
        "nameContains", "stauts", "",
    ];

    private static readonly string[] JsonValues =
    [
        "null", "true", "0", "-1", "1.5", "1e400", "99999999999999999999999", "\"\"", "\"Active\"", "\"\\u0000\"", "\"\\ud800\"",
        "\"" + new string('y', 3000) + "\"", "[]", "[null]", "[1,2]", "[\"EU\",null]", "{}", "{\"id\":\"nope\"}", "[{}]",
        "[{\"id\":\"" + Guid.NewGuid() + "\",\"expectedVersion\":\"one\"}]", "\"2026-02-30\"", "\"not-a-guid\"", "[[[[[[[[[[]]]]]]]]]]",
    ];

    private PackageHost _host = null!;

    public static TheoryData<string> Families => ["targets", "bulk", "pipeline", "hierarchy", "reports", "operations", "integrity", "tenant", "erasures", "feed", "health"];

    public async Task InitializeAsync() => _host = await PackageHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [MemberData(nameof(Families))]
    public async Task MalformedRequests_NeverGetA5xx(string family)
    {
        var client = _host.Client(PackageHost.AllRoles);
        var target = await client.CreateAsync("Fuzzed", status: "Cold", prefix: PackageHost.Prefix);
        var random = new Random(family.GetHashCode(StringComparison.Ordinal) ^ 24);
        for (var i = 0; i < PerFamily; i++)
        {
            using var request = Request(family, random, target.Id);
            var described = $"{request.Method} {request.RequestUri} {(request.Content is null ? "" : await request.Content.ReadAsStringAsync())}";
            using var cut = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cut.Token);
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {described[..Math.Min(described.Length, 400)]}");
        }
    }

    private static HttpRequestMessage Request(string family, Random random, Guid target)
    {
        var id = Pick(random, [target.ToString(), Guid.NewGuid().ToString(), "not-a-guid", "-1", Guid.Empty.ToString()]);
        var (method, path, body) = family switch
        {
            "targets" => Pick(random, new (string, string, bool)[]
            {
                ("GET", $"/targets?{Query(random, "status", "market", "name", "sort", "desc", "skip", "take")}", false),
                ("GET", $"/targets/{id}", false),
                ("POST", "/targets", true),
                ("PUT", $"/targets/{id}", true),
                ("PUT", $"/targets/{id}/status", true),
                ("DELETE", $"/targets/{id}?{Query(random, "expectedVersion")}", false),
                ("GET", $"/targets/{id}/history?{Query(random, "before", "limit")}", false),
                ("GET", $"/targets/{id}/stays", false),
            }),
            "bulk" => ("POST", "/targets/bulk/status", true),
            "pipeline" => Pick(random, new (string, string, bool)[]
            {
                ("GET", $"/pipeline/statuses/{Segment(random)}/next", false),
                ("GET", "/pipeline/stuck", false),
                ("GET", "/pipeline/counts", false),
            }),
            "hierarchy" => Pick(random, new (string, string, bool)[]
            {
                ("POST", Pick(random, ["/goals", "/sprints", "/commitments"]), true),
                ("GET", $"/goals?{Query(random, "skip", "take")}", false),
                ("GET", $"/goals/{id}/tree?{Query(random, "skip", "take")}", false),
                (Pick(random, ["PUT", "DELETE"]), $"/targets/{id}/links/{Pick(random, [Guid.NewGuid().ToString(), "x"])}", false),
            }),
            "reports" => ("GET", $"/reports/{Pick(random, ["pipeline", "cohort", "counts", "operations"])}?{Query(random, "from", "to", "at", "maxLines")}", false),
            "operations" => Pick(random, new (string, string, bool)[]
            {
                ("POST", "/operations", true),
                ("GET", $"/operations?{Query(random, "days", "take")}", false),
                ("GET", $"/operations/{Segment(random)}/failures?{Query(random, "limit")}", false),
                ("POST", $"/operations/{Segment(random)}/{Pick(random, ["cancel", "resume"])}", false),
            }),
            "integrity" => Pick(random, new (string, string, bool)[]
            {
                ("POST", $"/integrity/check?{Query(random, "maxProblems")}", false),
                ("POST", "/integrity/repair", true),
            }),
            "tenant" => Pick(random, new (string, string, bool)[]
            {
                ("POST", "/tenant/delete", true),
                ("GET", $"/tenant/deletions?{Query(random, "x")}", false),
            }),
            "erasures" => Pick(random, new (string, string, bool)[]
            {
                ("POST", "/erasures/actor", true),
                ("POST", $"/erasures/target/{Segment(random)}", true),
                ("GET", $"/erasures?{Query(random, "x")}", false),
            }),
            "feed" => ("GET", $"/feed?after={Segment(random)}", false),
            "health" => ("GET", $"/health?{Query(random, "x")}", true),
            _ => throw new ArgumentOutOfRangeException(nameof(family)),
        };

        var request = new HttpRequestMessage(new HttpMethod(method), PackageHost.Prefix + path);
        if (body)
        {
            request.Content = new StringContent(Body(random), Encoding.UTF8, Pick(random, ["application/json", "application/json", "application/json", "text/plain"]));
        }

        if (random.Next(3) == 0)
        {
            request.Headers.TryAddWithoutValidation("If-Match", Pick(random, ["\"1\"", "*", "W/\"1\"", "\"a\"", "1", "\"1\", \"2\"", "\"-5\"", "\"99999999999999999999\""]));
        }

        if (family == "feed" && random.Next(2) == 0)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", Pick(random, Values));
        }

        return request;
    }

    private static string Segment(Random random) => Pick(random, Values) is { Length: > 0 } value ? Uri.EscapeDataString(value) : "x";

    private static string Query(Random random, params string[] names) =>
        string.Join('&', names.Where(_ => random.Next(3) > 0).Select(n => $"{n}={Uri.EscapeDataString(Pick(random, Values))}"));

    private static string Body(Random random) => random.Next(6) switch
    {
        0 => "",
        1 => "{\"name\":\"x\",",                                     // truncated
        2 => Encoding.Latin1.GetString([.. Enumerable.Range(0, random.Next(1, 40)).Select(_ => (byte)random.Next(256))]),
        3 => Pick(random, JsonValues),                                  // not an object
        _ => "{" + string.Join(',', Enumerable.Range(0, random.Next(1, 6)).Select(_ => $"\"{Pick(random, Keys)}\":{Pick(random, JsonValues)}")) + "}",
    };

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
