namespace TargetTracking.Sqlite.Tests;

internal static class ResultExtensions
{
    /// <summary>Asserts success and returns the value.</summary>
    public static T Ok<T>(this Result<T> result)
    {
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value;
    }
}
