using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// A loopback TCP relay between Npgsql and the server that counts network round trips by reading the wire
/// protocol both ways. The client ends each request with Sync (or sends a simple Query); the server answers
/// each with ReadyForQuery. A round trip is counted when the client, having ended its last request, sends
/// again after every request was answered: it must have waited. Requests pipelined in one write (Npgsql
/// prepends BEGIN to the next statement) ride along. Whatever API sent them, BEGIN, COMMIT and every
/// statement are seen as they cross the wire. Needs an unencrypted connection.
/// </summary>
internal sealed class RoundTripCounter : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _relays = [];
    private readonly Task _accepting;
    private int _roundTrips;
    private MemoryStream _sent = new();

    public RoundTripCounter(string host, int port)
    {
        _host = host;
        _port = port;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int RoundTrips => Volatile.Read(ref _roundTrips);

    public void Reset()
    {
        Interlocked.Exchange(ref _roundTrips, 0);
        lock (_relays)
        {
            _sent = new MemoryStream();
        }
    }

    /// <summary>Gets or sets whether what the client sends is kept for <see cref="SentCount"/> (off: a 10,000-item batch is megabytes).</summary>
    public bool Recording { get; set; }

    /// <summary>Counts the times <paramref name="text"/> crossed the wire from client to server since the last <see cref="Reset"/> (with <see cref="Recording"/> on).</summary>
    public int SentCount(string text)
    {
        byte[] sent;
        lock (_relays)
        {
            sent = _sent.ToArray();
        }

        var marker = System.Text.Encoding.UTF8.GetBytes(text);
        var count = 0;
        var rest = sent.AsSpan();
        for (var at = rest.IndexOf(marker); at >= 0; at = rest.IndexOf(marker))
        {
            count++;
            rest = rest[(at + marker.Length)..];
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] relays;
        lock (_relays)
        {
            relays = [_accepting, .. _relays];
        }

        await Task.WhenAll(relays).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_relays)
            {
                _relays.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        await server.ConnectAsync(_host, _port, _stop.Token);
        var exchange = new Exchange(() => Interlocked.Increment(ref _roundTrips));
        await Task.WhenAny(
            PumpAsync(client.GetStream(), server.GetStream(), new MessageReader(startsUntyped: true, exchange.FromClient), record: true),
            PumpAsync(server.GetStream(), client.GetStream(), new MessageReader(startsUntyped: false, exchange.FromServer), record: false));
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, MessageReader messages, bool record)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                messages.Feed(buffer.AsSpan(0, read));
                if (record && Recording)
                {
                    lock (_relays)
                    {
                        _sent.Write(buffer, 0, read);
                    }
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // A side closed: the relay ends.
        }
    }

    /// <summary>Tracks one connection's requests in flight; called from both directions, under its own lock.</summary>
    private sealed class Exchange(Action onRoundTrip)
    {
        private readonly object _gate = new();
        private int _unanswered;
        private bool _clientWaiting = true;

        public void FromClient(byte type)
        {
            lock (_gate)
            {
                if (type == (byte)'X')
                {
                    return; // Terminate: nothing comes back.
                }

                // The client had ended its last request and every request was answered: it waited.
                if (_unanswered == 0 && _clientWaiting)
                {
                    onRoundTrip();
                }

                // Sync, Query and the startup message (type 0) each get one ReadyForQuery. Anything else the
                // client sends keeps its current request open, even if earlier pipelined requests were answered.
                var endsRequest = type is (byte)'S' or (byte)'Q' or 0;
                if (endsRequest)
                {
                    _unanswered++;
                }

                _clientWaiting = endsRequest;
            }
        }

        public void FromServer(byte type)
        {
            lock (_gate)
            {
                if (type == (byte)'Z')
                {
                    _unanswered--;
                }
            }
        }
    }

    /// <summary>
    /// Splits a byte stream into protocol messages: a type byte, then a length that counts itself. The client's
    /// first message (startup) has no type byte; it is reported as type 0.
    /// </summary>
    private sealed class MessageReader(bool startsUntyped, Action<byte> onMessage)
    {
        private readonly byte[] _header = new byte[5];
        private bool _untyped = startsUntyped;
        private int _headerFilled;
        private long _bodyLeft;

        public void Feed(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                if (_bodyLeft > 0)
                {
                    var skip = (int)Math.Min(_bodyLeft, data.Length);
                    _bodyLeft -= skip;
                    data = data[skip..];
                    continue;
                }

                var headerSize = _untyped ? 4 : 5;
                var take = Math.Min(headerSize - _headerFilled, data.Length);
                data[..take].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += take;
                data = data[take..];
                if (_headerFilled == headerSize)
                {
                    onMessage(_untyped ? (byte)0 : _header[0]);
                    _bodyLeft = BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(headerSize - 4)) - 4;
                    _headerFilled = 0;
                    _untyped = false;
                }
            }
        }
    }
}
