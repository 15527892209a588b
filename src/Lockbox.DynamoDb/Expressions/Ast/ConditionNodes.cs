namespace Lockbox.DynamoDb.Expressions.Ast;

/// <summary>The six comparators of the condition grammar.</summary>
internal enum Comparator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary><c>left comparator right</c>; <see cref="Node.Token"/> is the comparator.</summary>
internal sealed class ComparisonNode(Token token, Comparator comparator, Node left, Node right) : Node(token)
{
    public Comparator Comparator { get; } = comparator;

    public Node Left { get; } = left;

    public Node Right { get; } = right;

    public override bool IsCondition => true;

    public override IEnumerable<Node> Children => [Left, Right];

    public string Symbol => Token.Text;
}

/// <summary><c>subject BETWEEN lower AND upper</c>.</summary>
internal sealed class BetweenNode(Token token, Node subject, Node lower, Node upper) : Node(token)
{
    public Node Subject { get; } = subject;

    public Node Lower { get; } = lower;

    public Node Upper { get; } = upper;

    public override bool IsCondition => true;

    public override IEnumerable<Node> Children => [Subject, Lower, Upper];
}

/// <summary><c>subject IN (c1, c2, ...)</c>.</summary>
internal sealed class InNode(Token token, Node subject, IReadOnlyList<Node> candidates) : Node(token)
{
    public Node Subject { get; } = subject;

    public IReadOnlyList<Node> Candidates { get; } = candidates;

    public override bool IsCondition => true;

    public override IEnumerable<Node> Children => [Subject, .. Candidates];
}

/// <summary><c>left AND right</c> or <c>left OR right</c>.</summary>
internal sealed class LogicalNode(Token token, bool isAnd, Node left, Node right) : Node(token)
{
    public bool IsAnd { get; } = isAnd;

    public Node Left { get; } = left;

    public Node Right { get; } = right;

    public override bool IsCondition => true;

    public override IEnumerable<Node> Children => [Left, Right];
}

/// <summary><c>NOT operand</c>.</summary>
internal sealed class NotNode(Token token, Node operand) : Node(token)
{
    public Node Operand { get; } = operand;

    public override bool IsCondition => true;

    public override IEnumerable<Node> Children => [Operand];
}
