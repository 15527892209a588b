using System.Text;
using Lockbox.DynamoDb.Expressions.Ast;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// Checks shared by all expression kinds. DynamoDB validates in phases: whole-text checks,
/// syntax (with redundant parentheses), function names, function placement, reserved words,
/// then per-node checks; each phase runs over the whole expression before the next starts,
/// so the first error of the earliest phase wins.
/// </summary>
internal static class ExpressionChecks
{
    /// <summary>Empty text and the 4 KB limit (counted in UTF-8 bytes of the raw text).</summary>
    public static void CheckText(string? text, string parameter)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw ExpressionErrors.Empty(parameter);
        }

        if (Encoding.UTF8.GetByteCount(text) > ExpressionErrors.MaxExpressionBytes)
        {
            throw ExpressionErrors.TooLong(parameter);
        }
    }

    public static void CheckOperatorCount(int count, string parameter)
    {
        if (count > ExpressionErrors.MaxOperators)
        {
            throw ExpressionErrors.TooManyOperators(parameter, count);
        }
    }

    /// <summary>Every node below <paramref name="root"/> in source order, parents before children.</summary>
    public static IEnumerable<Node> PreOrder(Node root)
    {
        yield return root;
        foreach (var child in root.Children)
        {
            foreach (var node in PreOrder(child))
            {
                yield return node;
            }
        }
    }

    public static void CheckFunctionNames(IEnumerable<Node> nodes, Func<string, bool> isKnown, string parameter)
    {
        foreach (var function in nodes.OfType<FunctionNode>())
        {
            if (!isKnown(function.Name))
            {
                throw ExpressionErrors.InvalidFunctionName(parameter, function.Name);
            }
        }
    }

    /// <summary>
    /// Boolean functions may only stand where a condition belongs and size() only where an
    /// operand belongs.
    /// </summary>
    public static void CheckFunctionPlacement(Node node, bool conditionExpected, string parameter)
    {
        switch (node)
        {
            case FunctionNode function:
                if (conditionExpected != function.IsCondition)
                {
                    throw ExpressionErrors.FunctionMisused(parameter, function.Name);
                }

                foreach (var argument in function.Arguments)
                {
                    CheckFunctionPlacement(argument, conditionExpected: false, parameter);
                }

                break;
            case LogicalNode or NotNode:
                foreach (var child in node.Children)
                {
                    CheckFunctionPlacement(child, conditionExpected: true, parameter);
                }

                break;
            default:
                foreach (var child in node.Children)
                {
                    CheckFunctionPlacement(child, conditionExpected: false, parameter);
                }

                break;
        }
    }

    public static void CheckReservedWords(IEnumerable<Node> nodes, string parameter)
    {
        foreach (var path in nodes.OfType<PathNode>())
        {
            foreach (var segment in path.Segments)
            {
                if (segment.Token.Kind == TokenKind.Identifier && ReservedWords.IsReserved(segment.Token.Text))
                {
                    throw ExpressionErrors.ReservedKeyword(parameter, segment.Token.Text);
                }
            }
        }
    }

    /// <summary>Substitutes <c>#name</c> placeholders, marking them used.</summary>
    public static void Resolve(PathNode path, ExpressionContext context, string parameter)
    {
        if (path.Path is not null)
        {
            return;
        }

        var elements = new List<PathElement>(path.Segments.Count);
        foreach (var segment in path.Segments)
        {
            if (segment.IsIndex)
            {
                elements.Add(PathElement.At(segment.Index));
            }
            else if (segment.Token.Kind == TokenKind.NamePlaceholder)
            {
                var name = context.ResolveName(segment.Token.Text)
                    ?? throw ExpressionErrors.UndefinedName(parameter, segment.Token.Text);
                elements.Add(PathElement.Key(name));
            }
            else
            {
                elements.Add(PathElement.Key(segment.Token.Text));
            }
        }

        if (elements.Count > ExpressionErrors.MaxPathDepth)
        {
            throw ExpressionErrors.PathTooDeep(parameter, elements.Count);
        }

        path.Path = new DocumentPath(elements);
    }

    /// <summary>Substitutes a <c>:value</c> placeholder, marking it used.</summary>
    public static void Resolve(ValueNode value, ExpressionContext context, string parameter) =>
        value.Value ??= context.ResolveValue(value.Name) ?? throw ExpressionErrors.UndefinedValue(parameter, value.Name);

    /// <summary>Resolves every placeholder below <paramref name="root"/> in source order.</summary>
    public static void ResolveAll(Node root, ExpressionContext context, string parameter)
    {
        foreach (var node in PreOrder(root))
        {
            switch (node)
            {
                case PathNode path:
                    Resolve(path, context, parameter);
                    break;
                case ValueNode value:
                    Resolve(value, context, parameter);
                    break;
            }
        }
    }

    /// <summary>
    /// Paths written by one update or projection may neither overlap (one is, or leads into,
    /// the other) nor conflict (one reads a step as a list index where the other reads it as a
    /// map key). All pairs are checked for overlap before any for conflict, as DynamoDB does.
    /// </summary>
    public static void CheckPathsDisjoint(IReadOnlyList<DocumentPath> paths, string parameter)
    {
        for (var j = 1; j < paths.Count; j++)
        {
            for (var i = 0; i < j; i++)
            {
                if (paths[i].IsPrefixOf(paths[j]) || paths[j].IsPrefixOf(paths[i]))
                {
                    throw ExpressionErrors.PathsOverlap(parameter, paths[i], paths[j]);
                }
            }
        }

        for (var j = 1; j < paths.Count; j++)
        {
            for (var i = 0; i < j; i++)
            {
                if (Conflict(paths[i], paths[j]))
                {
                    throw ExpressionErrors.PathsConflict(parameter, paths[i], paths[j]);
                }
            }
        }
    }

    private static bool Conflict(DocumentPath a, DocumentPath b)
    {
        var length = Math.Min(a.Elements.Count, b.Elements.Count);
        for (var k = 0; k < length; k++)
        {
            if (a.Elements[k] != b.Elements[k])
            {
                return a.Elements[k].IsIndex != b.Elements[k].IsIndex;
            }
        }

        return false;
    }
}
