using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// The per-node phase of condition validation: one walk, children before their parent, that
/// resolves placeholders as it meets them and checks each function and operator once its
/// operands are known. Because it is a single walk, an error early in the text wins over a
/// different kind of error later in the text (DynamoDB behaves the same way).
/// </summary>
internal sealed class ConditionChecks(ExpressionContext context, string parameter)
{
    // How DynamoDB prints the type of a path operand: any of the ten types.
    private const string AnyType = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}";

    public void Check(Node node)
    {
        switch (node)
        {
            case PathNode path:
                ExpressionChecks.Resolve(path, context, parameter);
                return;
            case ValueNode value:
                ExpressionChecks.Resolve(value, context, parameter);
                return;
        }

        foreach (var child in node.Children)
        {
            Check(child);
        }

        switch (node)
        {
            case FunctionNode function:
                CheckFunction(function);
                break;
            case ComparisonNode comparison:
                CheckDistinct(comparison.Symbol, comparison.Left, [comparison.Right]);
                break;
            case BetweenNode between:
                CheckDistinct("BETWEEN", between.Subject, [between.Lower, between.Upper]);
                CheckBounds(between);
                break;
            case InNode @in:
                CheckDistinct("IN", @in.Subject, @in.Candidates);
                break;
        }
    }

    private void CheckFunction(FunctionNode function)
    {
        var expected = function.Name is FunctionNames.AttributeExists or FunctionNames.AttributeNotExists or FunctionNames.Size ? 1 : 2;
        var arguments = function.Arguments;
        if (arguments.Count != expected)
        {
            throw ExpressionErrors.OperandCount(parameter, function.Name, arguments.Count);
        }

        switch (function.Name)
        {
            case FunctionNames.AttributeExists or FunctionNames.AttributeNotExists:
                RequirePath(function, arguments[0]);
                break;
            case FunctionNames.AttributeType:
                RequirePath(function, arguments[0]);
                CheckDistinct(function.Name, arguments[0], [arguments[1]]);
                var typeName = arguments[1] switch
                {
                    ValueNode v => v.ResolvedValue.Type.ToString(),
                    PathNode => AnyType,
                    _ => "N",
                };
                if (typeName != "S")
                {
                    throw ExpressionErrors.OperandType(parameter, function.Name, typeName);
                }

                var name = ((ValueNode)arguments[1]).ResolvedValue.AsString();
                if (!ValueSemantics.TryParseTypeName(name, out _))
                {
                    throw ExpressionErrors.InvalidTypeName(parameter, name);
                }

                break;
            case FunctionNames.BeginsWith:
                CheckDistinct(function.Name, arguments[0], [arguments[1]]);
                foreach (var argument in arguments)
                {
                    if (StaticType(argument) is { } type && type is not (AttributeType.S or AttributeType.B))
                    {
                        throw ExpressionErrors.OperandType(parameter, function.Name, type.ToString());
                    }
                }

                break;
            case FunctionNames.Contains:
                CheckDistinct(function.Name, arguments[0], [arguments[1]]);
                break;
            case FunctionNames.Size:
                if (StaticType(arguments[0]) is { } sizeType
                    && sizeType is AttributeType.N or AttributeType.BOOL or AttributeType.NULL)
                {
                    throw ExpressionErrors.OperandType(parameter, function.Name, sizeType.ToString());
                }

                break;
        }
    }

    /// <summary>The type an operand is known to have before any item is seen (values and size()).</summary>
    private static AttributeType? StaticType(Node node) => node switch
    {
        ValueNode value => value.ResolvedValue.Type,
        FunctionNode { Name: FunctionNames.Size } => AttributeType.N,
        _ => null,
    };

    private void RequirePath(FunctionNode function, Node argument)
    {
        if (argument is not PathNode)
        {
            throw ExpressionErrors.RequiresPath(parameter, function.Name);
        }
    }

    private void CheckDistinct(string op, Node first, IEnumerable<Node> others)
    {
        if (first is not PathNode path)
        {
            return;
        }

        foreach (var other in others)
        {
            if (other is PathNode otherPath && otherPath.ResolvedPath.Equals(path.ResolvedPath))
            {
                throw ExpressionErrors.NotDistinct(parameter, op, path.ResolvedPath);
            }
        }
    }

    private void CheckBounds(BetweenNode between)
    {
        if (between.Lower is not ValueNode lowerNode || between.Upper is not ValueNode upperNode)
        {
            return;
        }

        var lower = lowerNode.ResolvedValue;
        var upper = upperNode.ResolvedValue;
        if (lower.Type != upper.Type)
        {
            throw ExpressionErrors.BetweenTypes(parameter, ValueSemantics.Format(lower), ValueSemantics.Format(upper));
        }

        if (ValueSemantics.Compare(lower, upper) > 0)
        {
            throw ExpressionErrors.BetweenOrder(parameter, ValueSemantics.Format(lower), ValueSemantics.Format(upper));
        }
    }
}
