using LinqToDB.Data;
using Npgsql;

namespace TargetTracking.PostgreSql;

/// <summary>
/// Wakes change feed subscriptions when a unit of work of this schema commits: one connection that runs
/// <c>LISTEN targettracking_feed</c> (migration 0008's trigger notifies once per transaction, with the schema as
/// payload). A hint only: when the connection breaks (a database restart) every waiter is woken to read, and the
/// listener reconnects with back-off; notifications sent meanwhile are lost, which costs latency, never an entry.
/// </summary>
internal sealed class PostgreSqlFeedListener : IFeedListener
{
    internal const string Channel = "targettracking_feed";

    private static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(5);

    private readonly Func<DataConnection> _connect;
    private readonly string _schema;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PostgreSqlFeedListener(Func<DataConnection> connect, string schema)
    {
        _connect = connect;
        _schema = schema;
        _loop = Task.Run(ListenAsync);
    }

    public Task NextNotification() => Volatile.Read(ref _next).Task;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
        Wake();
    }

    private void Wake() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task ListenAsync()
    {
        var backOff = TimeSpan.FromMilliseconds(100);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var db = _connect();
                var connection = (NpgsqlConnection)await db.OpenDbConnectionAsync(_stop.Token).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    if (e.Payload == _schema)
                    {
                        Wake();
                    }
                };
                var listen = new NpgsqlCommand($"LISTEN {Channel}", connection);
                await using (listen.ConfigureAwait(false))
                {
                    await listen.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                }

                // Listening again after a break: whatever committed meanwhile was not announced, so wake readers now.
                Wake();
                backOff = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    await connection.WaitAsync(_stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException or InvalidOperationException)
            {
                // The database went away: readers poll on their timer until this connection is back.
                Wake();
                try
                {
                    await Task.Delay(backOff, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backOff = backOff * 2 > MaxBackOff ? MaxBackOff : backOff * 2;
            }
        }
    }
}
