using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// DynamoDB's rules for mixing expression parameters with their legacy counterparts, and for
/// ExpressionAttributeNames/Values given without an expression that could use them.
/// </summary>
internal static class ExpressionInputs
{
    /// <param name="legacy">Legacy parameters in DynamoDB's reporting order, with whether each is present.</param>
    /// <param name="expressions">Expression parameters in DynamoDB's reporting order.</param>
    /// <param name="valueExpressions">The expression parameters that may reference values; their names, joined as
    /// DynamoDB words it ("UpdateExpression and ConditionExpression are null").</param>
    public static ExpressionContext Check(
        (string Name, bool Present)[] legacy,
        (string Name, bool Present)[] expressions,
        Dictionary<string, string>? names,
        Dictionary<string, AttributeValue>? values,
        (string Name, bool Present)[] valueExpressions)
    {
        var legacyUsed = legacy.Where(p => p.Present).Select(p => p.Name).ToList();
        var expressionsUsed = expressions.Where(p => p.Present).Select(p => p.Name).ToList();
        if (legacyUsed.Count > 0 && expressionsUsed.Count > 0)
        {
            throw DynamoDbErrors.Validation(
                $"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{string.Join(", ", legacyUsed)}}} Expression parameters: {{{string.Join(", ", expressionsUsed)}}}");
        }

        if (names is not null && expressionsUsed.Count == 0)
        {
            throw DynamoDbErrors.Validation("ExpressionAttributeNames can only be specified when using expressions");
        }

        if (values is not null && !valueExpressions.Any(p => p.Present))
        {
            var nulls = string.Join(" and ", valueExpressions.Select(p => p.Name));
            var verb = valueExpressions.Length == 1 ? "is" : "are";
            throw DynamoDbErrors.Validation($"ExpressionAttributeValues can only be specified when using expressions: {nulls} {verb} null");
        }

        return new ExpressionContext(names, values);
    }

    /// <summary>Parses a condition-style expression when present.</summary>
    public static ConditionExpression? Condition(string? text, ExpressionContext context, string parameterName) =>
        text is null ? null : ExpressionParser.ParseCondition(text, context, parameterName);

    public static ProjectionExpression? Projection(string? text, ExpressionContext context) =>
        text is null ? null : ExpressionParser.ParseProjection(text, context);

    /// <summary>AttributesToGet: no duplicates, then a projection of top-level names.</summary>
    public static ProjectionExpression? AttributesToGet(List<string>? attributes)
    {
        if (attributes is null)
        {
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in attributes)
        {
            if (!seen.Add(name))
            {
                throw DynamoDbErrors.InvalidParameter($"Duplicate value in attribute name: {name}");
            }
        }

        return LegacyConditions.FromAttributesToGet(attributes);
    }
}
