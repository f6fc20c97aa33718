using System.Globalization;

namespace TargetTracking.CrashWorker;

/// <summary>The worker's command line.</summary>
internal sealed record WorkerArguments
{
    /// <summary>The environment variable that holds the connection string when <c>--connection</c> is not given.</summary>
    public const string ConnectionVariable = "TARGETTRACKING_CRASH_CONNECTION";

    public required string Store { get; init; }

    public required string Connection { get; init; }

    public string? Schema { get; init; }

    public required string OperationId { get; init; }

    public required string Mode { get; init; }

    public string From { get; init; } = "Active";

    public string To { get; init; } = "Hot";

    public int BatchSize { get; init; } = 100;

    /// <summary>Gets the write session (1-based) that hangs before its commit; 0 for none.</summary>
    public int HangAtSession { get; init; }

    public int DelayMs { get; init; }

    /// <summary>Gets the subscriber's URL in <c>--mode webhooks</c> (the secret comes from <see cref="SecretVariable"/>).</summary>
    public Uri? Url { get; init; }

    /// <summary>The environment variable that holds the webhook secret in <c>--mode webhooks</c>.</summary>
    public const string SecretVariable = "TARGETTRACKING_CRASH_SECRET";

    public static WorkerArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"Expected '--name value' pairs; got '{args[i]}'.", nameof(args));
            }

            values[args[i][2..]] = args[i + 1];
        }

        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.", nameof(args));
        int Number(string name, int fallback) => values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

        var parsed = new WorkerArguments
        {
            Store = Required("store"),
            // The test passes the connection string in the environment, so a password never shows in a process list.
            Connection = values.GetValueOrDefault("connection") ?? Environment.GetEnvironmentVariable(ConnectionVariable)
                ?? throw new ArgumentException($"--connection or the {ConnectionVariable} environment variable is required.", nameof(args)),
            Schema = values.GetValueOrDefault("schema"),
            OperationId = values.GetValueOrDefault("operation") ?? string.Empty,
            Mode = Required("mode"),
            From = values.GetValueOrDefault("from") ?? "Active",
            To = values.GetValueOrDefault("to") ?? "Hot",
            BatchSize = Number("batch-size", 100),
            HangAtSession = Number("hang-at-session", 0),
            Url = values.TryGetValue("url", out var url) ? new Uri(url) : null,
            DelayMs = Number("delay-ms", 0),
        };
        if (parsed.Store is not ("sqlite" or "postgres" or "mariadb"))
        {
            throw new ArgumentException($"--store must be sqlite, postgres or mariadb; it is '{parsed.Store}'.", nameof(args));
        }

        if (parsed.Mode is not ("start" or "run" or "start-run" or "webhooks"))
        {
            throw new ArgumentException($"--mode must be start, run, start-run or webhooks; it is '{parsed.Mode}'.", nameof(args));
        }

        return parsed;
    }
}
