using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// Evaluates a validated condition tree against an item. A missing attribute makes every
/// comparison false except <c>&lt;&gt;</c>, which is true (DynamoDB's observed behaviour).
/// </summary>
internal static class ConditionEvaluator
{
    public static bool Evaluate(Node node, IReadOnlyDictionary<string, AttributeValue>? item)
    {
        switch (node)
        {
            case LogicalNode logical:
                return logical.IsAnd
                    ? Evaluate(logical.Left, item) && Evaluate(logical.Right, item)
                    : Evaluate(logical.Left, item) || Evaluate(logical.Right, item);
            case NotNode not:
                return !Evaluate(not.Operand, item);
            case ComparisonNode comparison:
                return Compare(comparison.Comparator, Operand(comparison.Left, item), Operand(comparison.Right, item));
            case BetweenNode between:
                {
                    var subject = Operand(between.Subject, item);
                    var lower = Operand(between.Lower, item);
                    var upper = Operand(between.Upper, item);
                    return subject is not null && lower is not null && upper is not null
                        && ValueSemantics.Compare(subject, lower) >= 0 && ValueSemantics.Compare(subject, upper) <= 0;
                }

            case InNode @in:
                {
                    var subject = Operand(@in.Subject, item);
                    return subject is not null && @in.Candidates.Any(c => Operand(c, item) is { } v && ValueSemantics.DeepEquals(subject, v));
                }

            case FunctionNode function:
                return EvaluateFunction(function, item);
            default:
                throw new InvalidOperationException($"Not a condition: {node.GetType().Name}");
        }
    }

    public static bool Compare(Comparator comparator, AttributeValue? left, AttributeValue? right)
    {
        if (left is null || right is null)
        {
            return comparator == Comparator.NotEqual;
        }

        switch (comparator)
        {
            case Comparator.Equal:
                return ValueSemantics.DeepEquals(left, right);
            case Comparator.NotEqual:
                return !ValueSemantics.DeepEquals(left, right);
        }

        var order = ValueSemantics.Compare(left, right);
        return order is { } o && comparator switch
        {
            Comparator.Less => o < 0,
            Comparator.LessOrEqual => o <= 0,
            Comparator.Greater => o > 0,
            _ => o >= 0,
        };
    }

    /// <summary>The value of an operand, or null when it refers to something that does not exist.</summary>
    public static AttributeValue? Operand(Node node, IReadOnlyDictionary<string, AttributeValue>? item) => node switch
    {
        PathNode path => path.ResolvedPath.Resolve(item),
        ValueNode value => value.ResolvedValue,
        FunctionNode { Name: FunctionNames.Size } size => Operand(size.Arguments[0], item) is { } v ? ValueSemantics.Size(v) : null,
        _ => throw new InvalidOperationException($"Not an operand: {node.GetType().Name}"),
    };

    private static bool EvaluateFunction(FunctionNode function, IReadOnlyDictionary<string, AttributeValue>? item)
    {
        var first = Operand(function.Arguments[0], item);
        switch (function.Name)
        {
            case FunctionNames.AttributeExists:
                return first is not null;
            case FunctionNames.AttributeNotExists:
                return first is null;
        }

        var second = Operand(function.Arguments[1], item);
        if (first is null || second is null)
        {
            return false;
        }

        return function.Name switch
        {
            FunctionNames.AttributeType => second.Type == AttributeType.S
                && ValueSemantics.TryParseTypeName(second.AsString(), out var type) && first.Type == type,
            FunctionNames.BeginsWith => ValueSemantics.BeginsWith(first, second),
            FunctionNames.Contains => ValueSemantics.Contains(first, second),
            _ => throw new InvalidOperationException($"Not a condition function: {function.Name}"),
        };
    }
}
