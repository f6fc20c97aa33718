using Microsoft.Extensions.Logging;

namespace TargetTracking.Conformance;

/// <summary>One log event as written: its id, level, message, structured values and exception.</summary>
/// <param name="Category">The logger's category.</param>
/// <param name="EventId">The event id.</param>
/// <param name="Level">The level.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Values">The structured values (the message template's names).</param>
/// <param name="Exception">The exception logged with the event.</param>
public sealed record LoggedEvent(string Category, EventId EventId, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception);

/// <summary>A logger provider that keeps every event, for asserting what the library logs.</summary>
public sealed class LogCapture : ILoggerProvider, ILoggerFactory
{
    private readonly List<LoggedEvent> _events = [];

    /// <summary>Gets the events logged so far.</summary>
    public IReadOnlyList<LoggedEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Creates a typed logger, for constructors that take one.</summary>
    public ILogger<T> For<T>() => new Typed<T>(CreateLogger(typeof(T).FullName!));

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Capturing(this, categoryName);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Typed<T>(ILogger inner) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }

    private sealed class Capturing(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            var logged = new LoggedEvent(category, eventId, logLevel, formatter(state, exception), values.ToDictionary(v => v.Key, v => v.Value), exception);
            lock (owner._events)
            {
                owner._events.Add(logged);
            }
        }
    }
}
