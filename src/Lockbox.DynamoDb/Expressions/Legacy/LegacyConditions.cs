using Lockbox.Common;
using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// Converts the legacy (pre-expression) parameters into the same expression objects the
/// expression parameters produce, with DynamoDB's validations and messages for each.
/// </summary>
public static class LegacyConditions
{
    private const string Invalid = "One or more parameter values were invalid: ";

    /// <summary>Expected + ConditionalOperator (PutItem, UpdateItem, DeleteItem).</summary>
    public static ConditionExpression FromExpected(IReadOnlyDictionary<string, ExpectedAttributeValue> expected, string? conditionalOperator)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var nodes = new List<Node>();
        foreach (var (name, condition) in expected)
        {
            nodes.Add(ExpectedNode(name, condition));
        }

        return Combine(nodes, conditionalOperator);
    }

    /// <summary>QueryFilter or ScanFilter + ConditionalOperator.</summary>
    public static ConditionExpression FromConditions(IReadOnlyDictionary<string, Condition> conditions, string? conditionalOperator)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var nodes = new List<Node>();
        foreach (var (name, condition) in conditions)
        {
            var op = condition.ComparisonOperator ?? "";
            var values = condition.AttributeValueList ?? [];
            ValidateCondition(op, values);
            nodes.Add(ComparisonNodeFor(name, op, values));
        }

        return Combine(nodes, conditionalOperator);
    }

    /// <summary>
    /// The checks DynamoDB makes on KeyConditions before it looks at the table: each
    /// condition's arguments, then the number of conditions.
    /// </summary>
    public static void ValidateKeyConditions(IReadOnlyDictionary<string, Condition> conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        foreach (var condition in conditions.Values)
        {
            ValidateCondition(condition.ComparisonOperator ?? "", condition.AttributeValueList ?? []);
        }

        if (conditions.Count is 0 or > 2)
        {
            throw ExpressionErrors.KeyConditionCount();
        }
    }

    /// <summary>KeyConditions, validated and bound to the key schema.</summary>
    public static KeyCondition FromKeyConditions(IReadOnlyDictionary<string, Condition> conditions, string partitionKeyName, string? sortKeyName,
        AttributeType? partitionKeyType = null, AttributeType? sortKeyType = null)
    {
        ValidateKeyConditions(conditions);
        var terms = conditions.Select(pair => new KeyTerm(pair.Key, pair.Value.ComparisonOperator switch
        {
            "EQ" => SortKeyOperator.Equal,
            "LT" => SortKeyOperator.LessThan,
            "LE" => SortKeyOperator.LessOrEqual,
            "GT" => SortKeyOperator.GreaterThan,
            "GE" => SortKeyOperator.GreaterOrEqual,
            "BETWEEN" => SortKeyOperator.Between,
            "BEGINS_WITH" => SortKeyOperator.BeginsWith,
            _ => (SortKeyOperator?)null,
        }, pair.Value.AttributeValueList ?? [])).ToList();
        return KeyConditionBinder.Bind(terms, partitionKeyName, sortKeyName, partitionKeyType, sortKeyType);
    }

    /// <summary>AttributeUpdates (PUT, ADD, DELETE) of UpdateItem.</summary>
    public static UpdateExpression FromAttributeUpdates(IReadOnlyDictionary<string, AttributeValueUpdate> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var actions = new List<UpdateAction>();
        foreach (var (name, update) in updates)
        {
            var action = update.Action ?? "PUT";
            var value = update.Value;
            if (value is null)
            {
                if (action != "DELETE")
                {
                    throw ExpressionErrors.Validation(Invalid + "Only DELETE action is allowed when no attribute value is specified");
                }

                actions.Add(new UpdateAction(UpdateActionKind.Remove, PathFor(name), null));
                continue;
            }

            switch (action)
            {
                case "DELETE" when !ValueSemantics.IsSet(value.Type):
                    throw ExpressionErrors.Validation(Invalid + $"DELETE action with value is not supported for the type {value.Type}");
                case "ADD" when !(ValueSemantics.IsSet(value.Type) || value.Type is AttributeType.N or AttributeType.L):
                    throw ExpressionErrors.Validation(Invalid + $"ADD action is not supported for the type {value.Type}");
            }

            var kind = action switch
            {
                "ADD" => UpdateActionKind.Add,
                "DELETE" => UpdateActionKind.Delete,
                _ => UpdateActionKind.Set,
            };
            actions.Add(new UpdateAction(kind, PathFor(name), ValueFor(value)));
        }

        return new UpdateExpression(actions, legacy: true);
    }

    /// <summary>AttributesToGet: top-level names, no duplicates.</summary>
    public static ProjectionExpression FromAttributesToGet(IReadOnlyList<string> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            if (!seen.Add(attribute))
            {
                throw ExpressionErrors.Validation(Invalid + $"Duplicate value in attribute name: {attribute}");
            }
        }

        return new ProjectionExpression(attributes.Select(DocumentPath.Of).ToList());
    }

    private static Node ExpectedNode(string name, ExpectedAttributeValue condition)
    {
        if (condition.AttributeValueList is not null && condition.Value is not null)
        {
            throw ExpressionErrors.Validation(Invalid + $"Value and AttributeValueList cannot be used together for Attribute: {name}");
        }

        if (condition.ComparisonOperator is { } op)
        {
            if (condition.Exists is not null)
            {
                throw ExpressionErrors.Validation(Invalid + $"Exists and ComparisonOperator cannot be used together for Attribute: {name}");
            }

            if (op is not ("NULL" or "NOT_NULL") && condition.AttributeValueList is null && condition.Value is null)
            {
                throw ExpressionErrors.Validation(Invalid + $"Value or AttributeValueList must be used with ComparisonOperator: {op} for Attribute: {name}");
            }

            var values = condition.AttributeValueList ?? (condition.Value is null ? [] : [condition.Value]);
            ValidateCondition(op, values);
            return ComparisonNodeFor(name, op, values);
        }

        if (condition.AttributeValueList is not null)
        {
            throw ExpressionErrors.Validation(Invalid + $"AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}");
        }

        var exists = condition.Exists ?? true;
        if (exists && condition.Value is null)
        {
            var state = condition.Exists is null ? "null" : "true";
            throw ExpressionErrors.Validation(Invalid + $"Value must be provided when Exists is {state} for Attribute: {name}");
        }

        if (!exists && condition.Value is not null)
        {
            throw ExpressionErrors.Validation(Invalid + $"Value cannot be used when Exists is false for Attribute: {name}");
        }

        return exists
            ? new ComparisonNode(Synthetic("="), Comparator.Equal, PathFor(name), ValueFor(condition.Value!))
            : Function(FunctionNames.AttributeNotExists, PathFor(name));
    }

    /// <summary>Argument count, then one type for all arguments, then types the operator accepts, then BETWEEN's order.</summary>
    private static void ValidateCondition(string op, List<AttributeValue> values)
    {
        var countOk = op switch
        {
            "NULL" or "NOT_NULL" => values.Count == 0,
            "IN" => values.Count >= 1,
            "BETWEEN" => values.Count == 2,
            _ => values.Count == 1,
        };
        if (!countOk)
        {
            throw ExpressionErrors.Validation(Invalid + $"Invalid number of argument(s) for the {op} ComparisonOperator");
        }

        if (values.Count > 0 && values.Any(v => v.Type != values[0].Type))
        {
            throw ExpressionErrors.Validation(Invalid + "AttributeValues inside AttributeValueList must be of same type");
        }

        foreach (var value in values)
        {
            var typeOk = op switch
            {
                "LT" or "LE" or "GT" or "GE" or "IN" or "BETWEEN" => value.Type is AttributeType.S or AttributeType.N or AttributeType.B,
                "BEGINS_WITH" => value.Type is AttributeType.S or AttributeType.B,
                "CONTAINS" or "NOT_CONTAINS" => !ValueSemantics.IsSet(value.Type) && value.Type is not (AttributeType.M or AttributeType.L),
                _ => true,
            };
            if (!typeOk)
            {
                throw ExpressionErrors.Validation(Invalid + $"ComparisonOperator {op} is not valid for {value.Type} AttributeValue type");
            }
        }

        if (op == "BETWEEN" && ValueSemantics.Compare(values[0], values[1]) > 0)
        {
            throw ExpressionErrors.Validation("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
        }
    }

    private static Node ComparisonNodeFor(string name, string op, List<AttributeValue> values)
    {
        var path = PathFor(name);
        return op switch
        {
            "EQ" => new ComparisonNode(Synthetic("="), Comparator.Equal, path, ValueFor(values[0])),
            "NE" => new ComparisonNode(Synthetic("<>"), Comparator.NotEqual, path, ValueFor(values[0])),
            "LT" => new ComparisonNode(Synthetic("<"), Comparator.Less, path, ValueFor(values[0])),
            "LE" => new ComparisonNode(Synthetic("<="), Comparator.LessOrEqual, path, ValueFor(values[0])),
            "GT" => new ComparisonNode(Synthetic(">"), Comparator.Greater, path, ValueFor(values[0])),
            "GE" => new ComparisonNode(Synthetic(">="), Comparator.GreaterOrEqual, path, ValueFor(values[0])),
            "NULL" => Function(FunctionNames.AttributeNotExists, path),
            "NOT_NULL" => Function(FunctionNames.AttributeExists, path),
            "CONTAINS" => Function(FunctionNames.Contains, path, ValueFor(values[0])),
            "NOT_CONTAINS" => new NotNode(Synthetic("NOT"), Function(FunctionNames.Contains, path, ValueFor(values[0]))),
            "BEGINS_WITH" => Function(FunctionNames.BeginsWith, path, ValueFor(values[0])),
            "IN" => new InNode(Synthetic("IN"), path, values.Select(v => (Node)ValueFor(v)).ToList()),
            "BETWEEN" => new BetweenNode(Synthetic("BETWEEN"), path, ValueFor(values[0]), ValueFor(values[1])),
            _ => throw UnknownOperator(op),
        };
    }

    // The service model's enum check normally rejects unknown operators before this point.
    private static AwsServiceException UnknownOperator(string op) =>
        ExpressionErrors.Validation(
            $"1 validation error detected: Value '{op}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");

    private static ConditionExpression Combine(List<Node> nodes, string? conditionalOperator)
    {
        if (nodes.Count == 0)
        {
            // An empty map constrains nothing.
            return ConditionExpression.Always;
        }

        var isAnd = conditionalOperator is null || conditionalOperator == "AND";
        var root = nodes[0];
        for (var i = 1; i < nodes.Count; i++)
        {
            root = new LogicalNode(Synthetic(isAnd ? "AND" : "OR"), isAnd, root, nodes[i]);
        }

        return new ConditionExpression(root);
    }

    private static Token Synthetic(string text) => new(TokenKind.Identifier, text, 0, 0);

    private static PathNode PathFor(string name) => new(Synthetic(name), []) { Path = DocumentPath.Of(name) };

    private static ValueNode ValueFor(AttributeValue value) => new(Synthetic(":legacy")) { Value = value };

    private static FunctionNode Function(string name, params Node[] arguments) => new(Synthetic(name), arguments);
}
