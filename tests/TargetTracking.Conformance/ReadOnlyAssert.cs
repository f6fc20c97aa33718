namespace TargetTracking.Conformance;

/// <summary>Tries to write through what the library returns: every attempt must fail and change nothing.</summary>
public static class ReadOnlyAssert
{
    /// <summary>
    /// Casts a returned collection to every writable shape it might have (array, <see cref="List{T}"/>, <see cref="IList{T}"/>,
    /// <see cref="ICollection{T}"/>, <see cref="System.Collections.IList"/>) and tries to write through it.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="returned">What the library returned.</param>
    /// <param name="what">Names it in failure messages.</param>
    public static void CannotWriteThrough<T>(IEnumerable<T> returned, string what)
    {
        Assert.NotNull(returned);
        var before = returned.ToList();
        Assert.False(returned is List<T>, $"{what} is a List<{typeof(T).Name}>: a caller can change it.");
        Assert.False(returned is HashSet<T>, $"{what} is a HashSet<{typeof(T).Name}>: a caller can change it.");
        if (returned is T[] array)
        {
            // Only an empty array has nothing to overwrite.
            Assert.True(array.Length == 0, $"{what} is a {typeof(T).Name}[]: a caller can overwrite its elements.");
        }

        if (returned is ICollection<T> collection)
        {
            Assert.True(collection.IsReadOnly, $"{what} says it is writable.");
            Assert.Throws<NotSupportedException>(() => collection.Add(default!));
            Assert.Throws<NotSupportedException>(() => collection.Clear());
            Assert.Throws<NotSupportedException>(() => collection.Remove(before.Count > 0 ? before[0] : default!));
        }

        if (returned is IList<T> list)
        {
            Assert.Throws<NotSupportedException>(() => list.Insert(0, default!));
            if (list.Count > 0)
            {
                Assert.Throws<NotSupportedException>(() => list[0] = default!);
                Assert.Throws<NotSupportedException>(() => list.RemoveAt(0));
            }
        }

        if (returned is System.Collections.IList untyped && untyped.Count > 0)
        {
            Assert.True(untyped.IsReadOnly || untyped.IsFixedSize, $"{what} is writable through IList.");
            Assert.ThrowsAny<Exception>(() => untyped[0] = null);
        }

        Assert.Equal(before, returned);
    }
}
