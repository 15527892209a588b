using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>The operators a Query may apply to the sort key.</summary>
public enum SortKeyOperator
{
    Equal,
    LessThan,
    LessOrEqual,
    GreaterThan,
    GreaterOrEqual,
    Between,
    BeginsWith,
}

/// <summary>The sort key part of a Query: <c>sk op Value</c>, or <c>sk BETWEEN Value AND Upper</c>.</summary>
public sealed record SortKeyCondition(SortKeyOperator Operator, AttributeValue Value, AttributeValue? Upper = null);

/// <summary>A Query's key condition bound to the key schema: the partition key value and an optional sort key condition.</summary>
public sealed record KeyCondition(AttributeValue PartitionValue, SortKeyCondition? SortKey);

/// <summary>One condition on one attribute, before it is matched to the key schema.</summary>
/// <param name="Operator">Null for legacy operators that cannot use an index (NULL, NE, IN, ...).</param>
internal sealed record KeyTerm(string Attribute, SortKeyOperator? Operator, IReadOnlyList<AttributeValue> Values);

/// <summary>Matches key terms to a key schema with DynamoDB's checks, in DynamoDB's order.</summary>
internal static class KeyConditionBinder
{
    public static KeyCondition Bind(IReadOnlyList<KeyTerm> terms, string partitionKeyName, string? sortKeyName,
        AttributeType? partitionKeyType, AttributeType? sortKeyType)
    {
        ArgumentNullException.ThrowIfNull(partitionKeyName);
        KeyTerm? partition = null;
        KeyTerm? sort = null;
        foreach (var (name, isHash, type) in new[] { (partitionKeyName, true, partitionKeyType), (sortKeyName, false, sortKeyType) })
        {
            if (name is null)
            {
                continue;
            }

            if (isHash && sortKeyName is null && terms.Count > 1)
            {
                throw ExpressionErrors.KeyNotSupported();
            }

            var term = terms.FirstOrDefault(t => t.Attribute == name);
            if (term is null)
            {
                if (isHash || terms.Count > 1)
                {
                    throw ExpressionErrors.KeyMissed(name);
                }

                continue;
            }

            if (term.Operator is null)
            {
                throw ExpressionErrors.KeyNotIndexable();
            }

            if (type is { } t && term.Values.Any(v => v.Type != t))
            {
                throw ExpressionErrors.KeyTypeMismatch();
            }

            if (isHash && term.Operator != SortKeyOperator.Equal)
            {
                throw ExpressionErrors.KeyNotSupported();
            }

            if (isHash)
            {
                partition = term;
            }
            else
            {
                sort = term;
            }
        }

        var sortCondition = sort is null ? null
            : new SortKeyCondition(sort.Operator!.Value, sort.Values[0], sort.Values.Count > 1 ? sort.Values[1] : null);
        return new KeyCondition(partition!.Values[0], sortCondition);
    }
}
