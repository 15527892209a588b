namespace Lockbox.Protocols;

/// <summary>
/// Splits an <c>X-Amz-Target</c> header value (<c>Prefix.Operation</c>, e.g.
/// <c>DynamoDB_20120810.ListTables</c>) without allocating until a service has matched.
/// </summary>
public static class AmzTarget
{
    /// <summary>
    /// Splits <paramref name="target"/> at its only dot. False when there is no dot, more than one,
    /// or either part is empty: DynamoDB answers all of those with UnknownOperationException.
    /// </summary>
    public static bool TrySplit(ReadOnlySpan<char> target, out ReadOnlySpan<char> prefix, out ReadOnlySpan<char> operation)
    {
        var dot = target.IndexOf('.');
        if (dot <= 0 || dot == target.Length - 1 || target[(dot + 1)..].Contains('.'))
        {
            prefix = default;
            operation = default;
            return false;
        }

        prefix = target[..dot];
        operation = target[(dot + 1)..];
        return true;
    }
}
