using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>One step of a document path: a map key (or the top-level attribute name) or a list index.</summary>
public readonly record struct PathElement
{
    private PathElement(string? name, int index)
    {
        Name = name;
        Index = index;
    }

    /// <summary>The map key or attribute name; null for a list index.</summary>
    public string? Name { get; }

    /// <summary>The list index; meaningful only when <see cref="IsIndex"/>.</summary>
    public int Index { get; }

    public bool IsIndex => Name is null;

    public static PathElement Key(string name) => new(name, -1);

    public static PathElement At(int index) => new(null, index);

    /// <summary>As DynamoDB prints it inside a path: <c>name</c> or <c>[3]</c>.</summary>
    public override string ToString() => Name ?? $"[{Index}]";
}

/// <summary>
/// A resolved document path (placeholders substituted): a top-level attribute name followed by
/// nested map keys and list indexes, e.g. <c>a.b[2].c</c>.
/// </summary>
public sealed class DocumentPath : IEquatable<DocumentPath>
{
    public DocumentPath(IReadOnlyList<PathElement> elements)
    {
        if (elements.Count == 0 || elements[0].IsIndex)
        {
            throw new ArgumentException("A document path starts with an attribute name.", nameof(elements));
        }

        Elements = elements;
    }

    public IReadOnlyList<PathElement> Elements { get; }

    /// <summary>The top-level attribute the path starts at.</summary>
    public string TopLevelName => Elements[0].Name!;

    public bool IsTopLevel => Elements.Count == 1;

    public static DocumentPath Of(string attributeName) => new([PathElement.Key(attributeName)]);

    /// <summary>The value at this path, or null when any step is missing or of the wrong type.</summary>
    public AttributeValue? Resolve(IReadOnlyDictionary<string, AttributeValue>? item)
    {
        if (item is null || !item.TryGetValue(TopLevelName, out var current))
        {
            return null;
        }

        for (var i = 1; i < Elements.Count; i++)
        {
            current = Step(current, Elements[i]);
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>One step down from <paramref name="value"/>, or null when it does not exist.</summary>
    internal static AttributeValue? Step(AttributeValue value, PathElement element)
    {
        if (element.IsIndex)
        {
            if (value.Type != AttributeType.L)
            {
                return null;
            }

            var list = value.AsList();
            return element.Index < list.Count ? list[element.Index] : null;
        }

        return value.Type == AttributeType.M && value.AsMap().TryGetValue(element.Name!, out var child) ? child : null;
    }

    /// <summary>True when this path equals <paramref name="other"/> or leads into it.</summary>
    public bool IsPrefixOf(DocumentPath other)
    {
        if (Elements.Count > other.Elements.Count)
        {
            return false;
        }

        for (var i = 0; i < Elements.Count; i++)
        {
            if (Elements[i] != other.Elements[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>As DynamoDB prints it in messages: <c>[a, b, [1]]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", Elements) + "]";

    public bool Equals(DocumentPath? other) =>
        other is not null && other.Elements.Count == Elements.Count && IsPrefixOf(other);

    public override bool Equals(object? obj) => Equals(obj as DocumentPath);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var element in Elements)
        {
            hash.Add(element);
        }

        return hash.ToHashCode();
    }
}
