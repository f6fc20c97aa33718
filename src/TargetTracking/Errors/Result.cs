using System.Diagnostics.CodeAnalysis;

namespace TargetTracking;

/// <summary>The outcome of a request: a value, or the <see cref="TargetError"/> that explains why there is none.</summary>
/// <typeparam name="T">The type of the value.</typeparam>
public readonly struct Result<T>
{
    private readonly T? _value;

    private Result(T? value, TargetError? error)
    {
        _value = value;
        Error = error;
    }

    /// <summary>Gets a value indicating whether the request succeeded.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>Gets the error, or <see langword="null"/> on success.</summary>
    public TargetError? Error { get; }

    /// <summary>Gets the value; throws when the request failed.</summary>
    /// <exception cref="InvalidOperationException">The result holds an error.</exception>
    public T? Value => Error is null ? _value : throw new InvalidOperationException($"The result holds an error, not a value: {Error.Message}");

    /// <summary>Creates a successful result.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The result.</returns>
    public static Result<T> Success(T value) => new(value, null);

    /// <summary>Creates a failed result.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The result.</returns>
    public static Result<T> Failure(TargetError error)
    {
        Guard.Against.Null(error);
        return new(default, error);
    }

    /// <summary>Converts a value to a successful result.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator Result<T>(T value) => Success(value);

    /// <summary>Converts an error to a failed result.</summary>
    /// <param name="error">The error.</param>
    public static implicit operator Result<T>(TargetError error) => Failure(error);

    /// <summary>Calls one of two functions, depending on the outcome.</summary>
    /// <typeparam name="TResult">The type both functions return.</typeparam>
    /// <param name="onSuccess">Called with the value.</param>
    /// <param name="onError">Called with the error.</param>
    /// <returns>What the called function returned.</returns>
    public TResult Match<TResult>(Func<T, TResult> onSuccess, Func<TargetError, TResult> onError)
    {
        Guard.Against.Null(onSuccess);
        Guard.Against.Null(onError);
        return IsSuccess ? onSuccess(_value!) : onError(Error);
    }

    /// <inheritdoc />
    public override string ToString() => IsSuccess ? $"Success({_value})" : $"Failure({Error.Code}: {Error.Message})";
}

/// <summary>
/// Thrown by a store when a write finds the row in a state the unit of work did not lock and expect
/// (a row to insert exists already, a row to update has another version). The core re-runs the
/// whole unit of work, which then decides against the fresh state; callers never see this exception.
/// </summary>
public sealed class ConcurrentWriteException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public ConcurrentWriteException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public ConcurrentWriteException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the store's own error.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The store's own error.</param>
    public ConcurrentWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Thrown by a store's one-round-trip write (<see cref="ITargetRepository.TryChangeStatusAsync"/>) when it could not reach the
/// database (no connection could be opened), so nothing was sent: unlike a failure after the statement went out, this one
/// cannot hide a commit. The store classifies it as transient when its inner exception is; callers never see it unwrapped.
/// </summary>
public sealed class StoreNotReachedException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public StoreNotReachedException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public StoreNotReachedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the failure of the connection.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">Why no connection could be opened.</param>
    public StoreNotReachedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
