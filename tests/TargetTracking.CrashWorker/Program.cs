using System.Globalization;
using MySqlConnector;
using Npgsql;
using TargetTracking.MySql;
using TargetTracking.PostgreSql;
using TargetTracking.Sqlite;

namespace TargetTracking.CrashWorker;

/// <summary>
/// Starts and/or runs one tracked operation against a store that the test process also opens, printing one
/// line per event on stdout so the test knows where it is when it kills this process:
/// <c>begin n</c> (write session n opened), <c>hang n</c> (session n wrote everything and now hangs before its
/// commit), <c>committed n</c>, <c>started id total=t status=s</c>, <c>progress batch=b processed=p</c>,
/// <c>done status=s batch=b processed=p</c>.
/// </summary>
/// <remarks>
/// Arguments: <c>--store sqlite|postgres|mariadb [--connection CS] [--schema S] --operation ID --mode start|run|start-run
/// [--from Active] [--to Hot] [--batch-size 100] [--hang-at-session N] [--delay-ms N]</c>; without <c>--connection</c>,
/// the connection string comes from <c>TARGETTRACKING_CRASH_CONNECTION</c>. Exit code 0 when the
/// operation was started (start) or completed (run, start-run).
/// </remarks>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        WorkerArguments arguments;
        try
        {
            arguments = WorkerArguments.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 64;
        }

        await using var store = await OpenAsync(arguments);
        if (arguments.Mode == "webhooks")
        {
            return await RunWebhooksAsync(store.Repository, arguments);
        }

        var traced = new TracingRepository(store.Repository, arguments.HangAtSession);
        var tracker = new TargetTracker(traced, new TargetTrackingOptions());
        var operations = new TargetOperations(tracker);

        if (arguments.Mode is "start" or "start-run")
        {
            var request = new StartOperationRequest(arguments.OperationId, arguments.To, OperationSelection.Where(new TargetQuery { Statuses = [arguments.From] }))
            {
                BatchSize = arguments.BatchSize,
            };
            var started = await operations.StartAsync(request, new AuditContext { ActorId = "crash-worker", ActorName = "Crash Worker" });
            if (!started.IsSuccess)
            {
                await Console.Error.WriteLineAsync(started.Error.Message);
                return 1;
            }

            Report($"started {started.Value.Id} total={started.Value.Total} status={started.Value.Status}");
            if (arguments.Mode == "start")
            {
                return 0;
            }
        }

        var run = await operations.RunAsync(arguments.OperationId, new Reporter(arguments.DelayMs));
        if (!run.IsSuccess)
        {
            await Console.Error.WriteLineAsync(run.Error.Message);
            return 1;
        }

        var done = run.Value;
        Report($"done status={done.Status} batch={done.CurrentBatch} processed={done.Processed}");
        return done.Status == OperationStatus.Completed ? 0 : 2;
    }

    /// <summary>Writes one protocol line; stdout auto-flushes, the explicit flush states that the line must be out before the next step.</summary>
    internal static void Report(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }

    /// <summary>
    /// Runs a webhook sender over the store until killed, printing <c>pass n delivered=d</c> after each pass. Its requests
    /// wait minutes for an answer and its lease lasts ten, so a test that holds a request kills it mid-request.
    /// </summary>
    private static async Task<int> RunWebhooksAsync(ITargetRepository repository, WorkerArguments arguments)
    {
        var options = new WebhookOptions
        {
            InstanceId = "crash-worker",
            BatchSize = 5,
            RequestTimeout = TimeSpan.FromMinutes(5),
            LeaseDuration = TimeSpan.FromMinutes(10),
        };
        options.Subscriptions.Add(new WebhookSubscription
        {
            Id = "crash",
            Url = arguments.Url ?? throw new ArgumentException("--url is required in --mode webhooks."),
            Secret = Environment.GetEnvironmentVariable(WorkerArguments.SecretVariable) ?? throw new ArgumentException($"{WorkerArguments.SecretVariable} is required in --mode webhooks."),
        });
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var sender = new WebhookSender(new TargetTracker(repository, new TargetTrackingOptions()), http, options);
        for (var pass = 1; ; pass++)
        {
            var delivered = await sender.DeliverOnceAsync();
            Report(string.Create(CultureInfo.InvariantCulture, $"pass {pass} delivered={delivered}"));
            if (delivered == 0)
            {
                await Task.Delay(50);
            }
        }
    }

    private static async Task<OpenStore> OpenAsync(WorkerArguments arguments)
    {
        if (arguments.Store == "sqlite")
        {
            var sqlite = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = arguments.Connection });
            await sqlite.InitializeAsync();
            return new OpenStore(sqlite, sqlite.DisposeAsync);
        }

        if (arguments.Store == "mariadb")
        {
            // The connection string names the store's database.
            var mariaDb = new MySqlDataSource(arguments.Connection);
            return new OpenStore(MySqlDialect.CreateStore(mariaDb), mariaDb.DisposeAsync);
        }

        var dataSource = NpgsqlDataSource.Create(arguments.Connection);
        var postgres = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = arguments.Schema ?? PostgreSqlStoreOptions.DefaultSchema });
        return new OpenStore(postgres, dataSource.DisposeAsync);
    }

    private sealed record OpenStore(ITargetRepository Repository, Func<ValueTask> Close) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Close();
    }

    /// <summary>Prints progress; sleeps after each batch when asked, so a test can kill the run before it ends.</summary>
    private sealed class Reporter(int delayMs) : IProgress<OperationProgress>
    {
        private long _batches;

        public void Report(OperationProgress value)
        {
            Program.Report(string.Create(CultureInfo.InvariantCulture, $"progress batch={Interlocked.Increment(ref _batches)} processed={value.Processed}"));
            if (delayMs > 0)
            {
                // RunAsync reports synchronously between batches: blocking here stretches the run, not a transaction.
                Thread.Sleep(delayMs);
            }
        }
    }
}
