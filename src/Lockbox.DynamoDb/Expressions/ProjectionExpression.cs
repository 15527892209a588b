using Lockbox.DynamoDb.Expressions.Parsing;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// A validated ProjectionExpression (or legacy AttributesToGet). Applying it keeps only the
/// named parts of an item, in the nested shape DynamoDB returns: projected list elements are
/// gathered, in index order, into a shorter list; map entries keep their keys.
/// </summary>
public sealed class ProjectionExpression
{
    private const string Parameter = "ProjectionExpression";

    private readonly ProjectionNode _tree = new();

    internal ProjectionExpression(IReadOnlyList<DocumentPath> paths)
    {
        Paths = paths;
        TopLevelAttributes = paths.Select(p => p.TopLevelName).Distinct(StringComparer.Ordinal).ToList();
        foreach (var path in paths)
        {
            var node = _tree;
            foreach (var element in path.Elements)
            {
                node = node.Child(element);
            }

            node.IsLeaf = true;
        }
    }

    public IReadOnlyCollection<string> TopLevelAttributes { get; }

    /// <summary>The projected paths in source order.</summary>
    public IReadOnlyList<DocumentPath> Paths { get; }

    /// <summary>A new item holding only the projected parts (deep copies) of <paramref name="item"/>.</summary>
    public Dictionary<string, AttributeValue> Apply(IReadOnlyDictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var result = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var (element, child) in _tree.Children)
        {
            if (item.TryGetValue(element.Name!, out var value) && Project(value, child) is { } projected)
            {
                result[element.Name!] = projected;
            }
        }

        return result;
    }

    internal static ProjectionExpression Parse(string text, ExpressionContext context)
    {
        ExpressionChecks.CheckText(text, Parameter);
        var nodes = Parser.ParseProjection(text);
        ExpressionChecks.CheckReservedWords(nodes, Parameter);
        foreach (var node in nodes)
        {
            ExpressionChecks.Resolve(node, context, Parameter);
        }

        var paths = nodes.Select(n => n.ResolvedPath).ToList();
        ExpressionChecks.CheckPathsDisjoint(paths, Parameter);
        return new ProjectionExpression(paths);
    }

    /// <summary>The projected part of <paramref name="value"/>, or null when nothing of it is projected.</summary>
    private static AttributeValue? Project(AttributeValue value, ProjectionNode node)
    {
        if (node.IsLeaf)
        {
            return value.DeepClone();
        }

        var children = node.Children;
        if (value.Type == AttributeType.M && children.Keys.All(k => !k.IsIndex))
        {
            var map = value.AsMap();
            var projected = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            foreach (var (element, child) in children)
            {
                if (map.TryGetValue(element.Name!, out var entry) && Project(entry, child) is { } part)
                {
                    projected[element.Name!] = part;
                }
            }

            return projected.Count == 0 ? null : AttributeValue.FromMap(projected);
        }

        if (value.Type == AttributeType.L && children.Keys.All(k => k.IsIndex))
        {
            var list = value.AsList();
            var projected = new List<AttributeValue>();
            foreach (var (element, child) in children.OrderBy(c => c.Key.Index))
            {
                if (element.Index < list.Count && Project(list[element.Index], child) is { } part)
                {
                    projected.Add(part);
                }
            }

            return projected.Count == 0 ? null : AttributeValue.FromList(projected);
        }

        return null;
    }

    /// <summary>A trie of the projected paths.</summary>
    private sealed class ProjectionNode
    {
        public Dictionary<PathElement, ProjectionNode> Children { get; } = [];

        public bool IsLeaf { get; set; }

        public ProjectionNode Child(PathElement element)
        {
            if (!Children.TryGetValue(element, out var child))
            {
                child = new ProjectionNode();
                Children[element] = child;
            }

            return child;
        }
    }
}
