using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.PartiQL;

/// <summary>The four statement kinds and the IAM action each needs.</summary>
internal enum StatementKind
{
    Select,
    Insert,
    Update,
    Delete,
}

/// <summary>
/// A parsed PartiQL statement with its <c>?</c> parameters already bound. WHERE clauses are
/// condition trees of the shared expression AST (Expressions/Ast), so they are evaluated by the
/// same code as ConditionExpression and FilterExpression.
/// </summary>
internal abstract class PartiQLStatement(string tableName, string? indexName)
{
    public string TableName { get; } = tableName;

    /// <summary>The index of <c>FROM "table"."index"</c>, if named.</summary>
    public string? IndexName { get; } = indexName;

    public abstract StatementKind Kind { get; }

    /// <summary>The IAM action DynamoDB authorizes for this statement.</summary>
    public string Action => Kind switch
    {
        StatementKind.Select => "dynamodb:PartiQLSelect",
        StatementKind.Insert => "dynamodb:PartiQLInsert",
        StatementKind.Update => "dynamodb:PartiQLUpdate",
        _ => "dynamodb:PartiQLDelete",
    };

    /// <summary>A SELECT; an EXISTS check is authorized like one but belongs to a write transaction.</summary>
    public bool IsRead => this is SelectStatement;
}

/// <summary><c>SELECT projection FROM table[.index] [WHERE condition]</c>.</summary>
internal sealed class SelectStatement(string tableName, string? indexName, IReadOnlyList<DocumentPath>? projection, Node? where)
    : PartiQLStatement(tableName, indexName)
{
    /// <summary>The projected paths; null for <c>*</c>.</summary>
    public IReadOnlyList<DocumentPath>? Projection { get; } = projection;

    public Node? Where { get; } = where;

    public override StatementKind Kind => StatementKind.Select;
}

/// <summary>
/// <c>EXISTS(SELECT ... WHERE key and condition)</c>: ExecuteTransaction's condition check (as
/// TransactWriteItems' ConditionCheck); the item must exist and satisfy the WHERE clause.
/// Authorized as a SELECT (dynamodb:PartiQLSelect).
/// </summary>
internal sealed class ExistsStatement(SelectStatement select) : PartiQLStatement(select.TableName, select.IndexName)
{
    public SelectStatement Select { get; } = select;

    public override StatementKind Kind => StatementKind.Select;
}

/// <summary><c>INSERT INTO table VALUE {...}</c>.</summary>
internal sealed class InsertStatement(string tableName, string? indexName, Dictionary<string, AttributeValue> item)
    : PartiQLStatement(tableName, indexName)
{
    public Dictionary<string, AttributeValue> Item { get; } = item;

    public override StatementKind Kind => StatementKind.Insert;
}

/// <summary>What a write statement returns with <c>RETURNING ... *</c>.</summary>
internal enum ReturningKind
{
    None,
    AllOld,
    ModifiedOld,
    AllNew,
    ModifiedNew,
}

/// <summary><c>UPDATE table SET ... REMOVE ... WHERE condition [RETURNING ...]</c>.</summary>
internal sealed class UpdateStatement(string tableName, string? indexName, IReadOnlyList<UpdateAction> actions, Node where, ReturningKind returning)
    : PartiQLStatement(tableName, indexName)
{
    /// <summary>SET/REMOVE (and set_add/set_delete as ADD/DELETE) in the shared update AST.</summary>
    public IReadOnlyList<UpdateAction> Actions { get; } = actions;

    public Node Where { get; } = where;

    public ReturningKind Returning { get; } = returning;

    public override StatementKind Kind => StatementKind.Update;
}

/// <summary><c>DELETE FROM table WHERE condition [RETURNING ALL OLD *]</c>.</summary>
internal sealed class DeleteStatement(string tableName, string? indexName, Node where, ReturningKind returning)
    : PartiQLStatement(tableName, indexName)
{
    public Node Where { get; } = where;

    public ReturningKind Returning { get; } = returning;

    public override StatementKind Kind => StatementKind.Delete;
}
