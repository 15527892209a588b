namespace Lockbox.DynamoDb.Values;

/// <summary>Content equality for byte arrays (binary set members, binary keys).</summary>
public sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IComparer<byte[]>
{
    public static readonly ByteArrayComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }

    /// <summary>Unsigned byte-wise order, as DynamoDB orders binary values.</summary>
    public int Compare(byte[]? x, byte[]? y) => x is null
        ? (y is null ? 0 : -1)
        : y is null ? 1 : x.AsSpan().SequenceCompareTo(y);
}
