using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// A parsed and structurally validated KeyConditionExpression: one condition per attribute,
/// at most two, joined by AND. Matching it to a table's or index's key schema happens in
/// <see cref="Bind"/>, after the table is known (DynamoDB checks the structure first, so these
/// errors come even for a table that does not exist).
/// </summary>
public sealed class KeyConditionExpression
{
    internal const string ParameterName = "KeyConditionExpression";

    private readonly IReadOnlyList<KeyTerm> _terms;

    private KeyConditionExpression(IReadOnlyList<KeyTerm> terms) => _terms = terms;

    /// <summary>The attribute names the expression constrains, in source order.</summary>
    public IReadOnlyList<string> Attributes => _terms.Select(t => t.Attribute).ToList();

    /// <summary>
    /// Binds to the key schema: the partition key needs an equality condition; anything else
    /// must be on the sort key. With key types given, values of another type are rejected too.
    /// </summary>
    public KeyCondition Bind(string partitionKeyName, string? sortKeyName,
        AttributeType? partitionKeyType = null, AttributeType? sortKeyType = null) =>
        KeyConditionBinder.Bind(_terms, partitionKeyName, sortKeyName, partitionKeyType, sortKeyType);

    internal static KeyConditionExpression FromTree(Node root)
    {
        var leaves = new List<Node>();
        Flatten(root, leaves);
        var terms = leaves.Select(ToTerm).ToList();
        if (terms.GroupBy(t => t.Attribute, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            throw ExpressionErrors.KeyOneConditionPerKey();
        }

        if (terms.Count > 2)
        {
            throw ExpressionErrors.KeyConditionCount();
        }

        return new KeyConditionExpression(terms);
    }

    private static void Flatten(Node node, List<Node> leaves)
    {
        switch (node)
        {
            case LogicalNode { IsAnd: true } and:
                Flatten(and.Left, leaves);
                Flatten(and.Right, leaves);
                break;
            case LogicalNode:
                throw ExpressionErrors.KeyInvalidOperator("OR");
            case NotNode:
                throw ExpressionErrors.KeyInvalidOperator("NOT");
            default:
                leaves.Add(node);
                break;
        }
    }

    private static KeyTerm ToTerm(Node leaf)
    {
        switch (leaf)
        {
            case ComparisonNode { Comparator: Comparator.NotEqual }:
                throw ExpressionErrors.KeyInvalidOperator("<>");
            case InNode:
                throw ExpressionErrors.KeyInvalidOperator("IN");
            case FunctionNode { Name: not FunctionNames.BeginsWith } function:
                throw ExpressionErrors.KeyInvalidOperator(function.Name);
            case ComparisonNode comparison:
                {
                    var (left, right, comparator) = (comparison.Left, comparison.Right, comparison.Comparator);

                    // ":v < sk" means "sk > :v": DynamoDB accepts the key on either side of a comparator.
                    if (left is ValueNode && right is not ValueNode)
                    {
                        (left, right, comparator) = (right, left, Mirror(comparator));
                    }

                    var name = KeyAttribute(left, null);
                    var value = KeyValue(right);
                    return new KeyTerm(name, comparator switch
                    {
                        Comparator.Equal => SortKeyOperator.Equal,
                        Comparator.Less => SortKeyOperator.LessThan,
                        Comparator.LessOrEqual => SortKeyOperator.LessOrEqual,
                        Comparator.Greater => SortKeyOperator.GreaterThan,
                        _ => SortKeyOperator.GreaterOrEqual,
                    }, [value]);
                }

            case BetweenNode between:
                {
                    var name = KeyAttribute(between.Subject, "BETWEEN");
                    return new KeyTerm(name, SortKeyOperator.Between, [KeyValue(between.Lower), KeyValue(between.Upper)]);
                }

            default:
                {
                    var function = (FunctionNode)leaf;
                    var name = KeyAttribute(function.Arguments[0], function.Name);
                    return new KeyTerm(name, SortKeyOperator.BeginsWith, [KeyValue(function.Arguments[1])]);
                }
        }
    }

    /// <summary>The first operand must be a top-level attribute.</summary>
    private static string KeyAttribute(Node operand, string? op) => operand switch
    {
        FunctionNode => throw ExpressionErrors.KeyNestedOperations(),
        ValueNode when op is null => throw ExpressionErrors.KeyNoAttribute(),
        ValueNode => throw ExpressionErrors.KeyFirstOperand(op!),
        PathNode { ResolvedPath.IsTopLevel: false } => throw ExpressionErrors.KeyNestedAttributes(),
        _ => ((PathNode)operand).ResolvedPath.TopLevelName,
    };

    /// <summary>The remaining operands must be values.</summary>
    private static AttributeValue KeyValue(Node operand) => operand switch
    {
        FunctionNode => throw ExpressionErrors.KeyNestedOperations(),
        PathNode => throw ExpressionErrors.KeyMultipleNames(),
        _ => ((ValueNode)operand).ResolvedValue,
    };

    private static Comparator Mirror(Comparator comparator) => comparator switch
    {
        Comparator.Less => Comparator.Greater,
        Comparator.LessOrEqual => Comparator.GreaterOrEqual,
        Comparator.Greater => Comparator.Less,
        Comparator.GreaterOrEqual => Comparator.LessOrEqual,
        _ => comparator,
    };
}
