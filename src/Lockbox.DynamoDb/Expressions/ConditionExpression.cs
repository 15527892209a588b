using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// A validated ConditionExpression or FilterExpression (or a legacy Expected / QueryFilter /
/// ScanFilter converted to one), ready to evaluate against items.
/// </summary>
public sealed class ConditionExpression
{
    private readonly Node? _root;

    /// <param name="root">The condition tree; null for a condition that always holds (an empty legacy map).</param>
    internal ConditionExpression(Node? root)
    {
        _root = root;
        var paths = root is null ? []
            : ExpressionChecks.PreOrder(root).OfType<PathNode>().Select(p => p.ResolvedPath).ToList();
        Paths = paths;
        TopLevelAttributes = paths.Select(p => p.TopLevelName).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Top-level attribute names the condition reads (for "Filter Expression can only contain non-primary key attributes").</summary>
    public IReadOnlyCollection<string> TopLevelAttributes { get; }

    /// <summary>Every document path the condition reads, in source order.</summary>
    public IReadOnlyList<DocumentPath> Paths { get; }

    /// <summary>True when the condition holds for <paramref name="item"/>; null means the item does not exist.</summary>
    public bool Evaluate(IReadOnlyDictionary<string, AttributeValue>? item) =>
        _root is null || ConditionEvaluator.Evaluate(_root, item);

    /// <summary>A condition that always holds.</summary>
    internal static ConditionExpression Always { get; } = new(null);
}
