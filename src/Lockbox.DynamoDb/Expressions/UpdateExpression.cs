using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Expressions.Parsing;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// A validated UpdateExpression (or legacy AttributeUpdates converted to one). Applying it
/// changes an item in place with DynamoDB's semantics and run-time errors.
/// </summary>
public sealed class UpdateExpression
{
    private const string Parameter = "UpdateExpression";

    private readonly IReadOnlyList<UpdateAction> _actions;
    private readonly bool _legacy;

    internal UpdateExpression(IReadOnlyList<UpdateAction> actions, bool legacy)
    {
        _actions = actions;
        _legacy = legacy;
        UpdatedPaths = actions.Select(a => a.Target.ResolvedPath).ToList();
        TopLevelAttributes = UpdatedPaths.Select(p => p.TopLevelName).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Top-level attribute names this update touches (key-attribute checks, UPDATED_OLD/UPDATED_NEW).</summary>
    public IReadOnlyCollection<string> TopLevelAttributes { get; }

    /// <summary>Every path the update writes, in source order (UPDATED_OLD/UPDATED_NEW return just these).</summary>
    public IReadOnlyList<DocumentPath> UpdatedPaths { get; }

    /// <summary>
    /// Applies the update to <paramref name="item"/> in place. Pass a deep copy of the old item,
    /// or a new item holding just the key. Every SET value is computed from the item as it was
    /// before the update, as in DynamoDB.
    /// </summary>
    public void Apply(Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        new UpdateApplier(item, _legacy).Apply(_actions);
    }

    internal static UpdateExpression Parse(string text, ExpressionContext context)
    {
        ExpressionChecks.CheckText(text, Parameter);
        var syntax = Parser.ParseUpdate(text, out var operatorCount);
        ExpressionChecks.CheckOperatorCount(operatorCount, Parameter);

        var nodes = syntax.Actions
            .SelectMany(a => a.Value is null ? ExpressionChecks.PreOrder(a.Target) : ExpressionChecks.PreOrder(a.Target).Concat(ExpressionChecks.PreOrder(a.Value)))
            .ToList();
        ExpressionChecks.CheckFunctionNames(nodes, FunctionNames.IsUpdateFunction, Parameter);
        ExpressionChecks.CheckReservedWords(nodes, Parameter);

        var seen = new HashSet<UpdateActionKind>();
        foreach (var clause in syntax.Clauses)
        {
            if (!seen.Add(clause))
            {
                throw ExpressionErrors.SectionTwice(clause.ToString().ToUpperInvariant());
            }
        }

        // Unlike conditions, an update resolves all placeholders before its other checks:
        // an undefined name wins over a bad function call anywhere in the text.
        foreach (var action in syntax.Actions)
        {
            ExpressionChecks.ResolveAll(action.Target, context, Parameter);
            if (action.Value is not null)
            {
                ExpressionChecks.ResolveAll(action.Value, context, Parameter);
            }
        }

        ExpressionChecks.CheckPathsDisjoint(syntax.Actions.Select(a => a.Target.ResolvedPath).ToList(), Parameter);

        foreach (var action in syntax.Actions)
        {
            if (action.Kind is UpdateActionKind.Add or UpdateActionKind.Delete)
            {
                var type = ((ValueNode)action.Value!).ResolvedValue.Type;
                var allowed = ValueSemantics.IsSet(type) || (action.Kind == UpdateActionKind.Add && type == AttributeType.N);
                if (!allowed)
                {
                    throw ExpressionErrors.ActionOperandType(action.Kind.ToString().ToUpperInvariant(), ValueSemantics.LongTypeName(type));
                }
            }
        }

        foreach (var action in syntax.Actions)
        {
            if (action.Kind == UpdateActionKind.Set)
            {
                CheckOperand(action.Value!);
            }
        }

        return new UpdateExpression(syntax.Actions, legacy: false);
    }

    private static void CheckOperand(Node node)
    {
        foreach (var child in node.Children)
        {
            CheckOperand(child);
        }

        switch (node)
        {
            case FunctionNode function:
                if (function.Arguments.Count != 2)
                {
                    throw ExpressionErrors.OperandCount(Parameter, function.Name, function.Arguments.Count);
                }

                if (function.Name == FunctionNames.IfNotExists)
                {
                    if (function.Arguments[0] is not PathNode)
                    {
                        throw ExpressionErrors.RequiresPath(Parameter, function.Name);
                    }
                }
                else
                {
                    RequireValueType(function.Name, function.Arguments, AttributeType.L);
                }

                break;
            case ArithmeticNode arithmetic:
                RequireValueType(arithmetic.Token.Text, [arithmetic.Left, arithmetic.Right], AttributeType.N);
                break;
        }
    }

    private static void RequireValueType(string function, IEnumerable<Node> operands, AttributeType type)
    {
        foreach (var operand in operands)
        {
            if (operand is ValueNode value && value.ResolvedValue.Type != type)
            {
                throw ExpressionErrors.OperandType(Parameter, function, value.ResolvedValue.Type.ToString());
            }
        }
    }
}
