namespace Lockbox.DynamoDb.Expressions.Ast;

/// <summary>The four clauses of an update expression.</summary>
internal enum UpdateActionKind
{
    Set,
    Remove,
    Add,
    Delete,
}

/// <summary>One action of an update expression: its target path and, except for REMOVE, its value.</summary>
internal sealed record UpdateAction(UpdateActionKind Kind, PathNode Target, Node? Value);

/// <summary>A parsed update expression: actions in source order plus the clause keywords as written.</summary>
internal sealed record UpdateSyntax(IReadOnlyList<UpdateAction> Actions, IReadOnlyList<UpdateActionKind> Clauses);
