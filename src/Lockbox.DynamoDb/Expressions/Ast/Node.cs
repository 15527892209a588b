namespace Lockbox.DynamoDb.Expressions.Ast;

/// <summary>
/// A node of a parsed expression. The grammar is shared by conditions, key conditions and
/// updates; whether a node yields a value or a truth value is decided by its kind, and checked
/// after parsing so the errors come out in DynamoDB's order.
/// </summary>
internal abstract class Node(Token token)
{
    /// <summary>The token that starts (or, for operators, names) the node.</summary>
    public Token Token { get; } = token;

    /// <summary>Set when the node was written inside its own pair of parentheses.</summary>
    public bool Parenthesized { get; set; }

    /// <summary>True for nodes that produce a truth value (comparisons, AND/OR/NOT, boolean functions).</summary>
    public abstract bool IsCondition { get; }

    /// <summary>Sub-nodes in source order.</summary>
    public virtual IEnumerable<Node> Children => [];
}
