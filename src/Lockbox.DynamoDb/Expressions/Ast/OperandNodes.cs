using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions.Ast;

/// <summary>One written step of a path: a name, a <c>#name</c> placeholder or a list index.</summary>
internal readonly record struct PathSegment(Token Token, int Index)
{
    public bool IsIndex => Token.Kind == TokenKind.Number;
}

/// <summary>A document path operand such as <c>a.#b[1]</c>; <see cref="Path"/> is set once placeholders are resolved.</summary>
internal sealed class PathNode(Token token, IReadOnlyList<PathSegment> segments) : Node(token)
{
    public IReadOnlyList<PathSegment> Segments { get; } = segments;

    public DocumentPath? Path { get; set; }

    public DocumentPath ResolvedPath => Path ?? throw new InvalidOperationException("Path not resolved.");

    public override bool IsCondition => false;
}

/// <summary>A <c>:value</c> placeholder; <see cref="Value"/> is set once resolved.</summary>
internal sealed class ValueNode(Token token) : Node(token)
{
    public string Name => Token.Text;

    public AttributeValue? Value { get; set; }

    public AttributeValue ResolvedValue => Value ?? throw new InvalidOperationException("Value not resolved.");

    public override bool IsCondition => false;
}

/// <summary>A function call; <see cref="Token"/> is the function name as written (names are case-sensitive).</summary>
internal sealed class FunctionNode(Token token, IReadOnlyList<Node> arguments) : Node(token)
{
    public string Name => Token.Text;

    public IReadOnlyList<Node> Arguments { get; } = arguments;

    public override bool IsCondition => FunctionNames.IsBoolean(Name);

    public override IEnumerable<Node> Children => Arguments;
}

/// <summary><c>a + b</c> or <c>a - b</c> on the right-hand side of SET.</summary>
internal sealed class ArithmeticNode(Token token, Node left, Node right) : Node(token)
{
    public bool IsPlus => Token.Kind == TokenKind.Plus;

    public Node Left { get; } = left;

    public Node Right { get; } = right;

    public override bool IsCondition => false;

    public override IEnumerable<Node> Children => [Left, Right];
}
