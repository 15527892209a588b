using System.Buffers.Binary;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Operations;
using Lockbox.DynamoDb.Tables;
using Lockbox.DynamoDb.Values;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.PartiQL;

/// <summary>
/// ExecuteStatement and BatchExecuteStatement (and the validation half of ExecuteTransaction).
/// SELECT runs as a Query when its WHERE pins the partition key with <c>=</c> or <c>IN</c>, else
/// as a Scan; the whole WHERE clause is the filter. Writes go through
/// <see cref="ItemStore.Write"/> (the one write path) with the WHERE clause as their condition.
/// </summary>
internal sealed class PartiQLOperations(TableCatalog catalog, ItemStore store, IRequestAuthorizer authorizer)
{
    public const int MaxStatementLength = 8192;
    public const int MaxBatchStatements = 25;
    public const int MaxTransactionStatements = 100;

    private const byte TokenVersion = 1;

    public void ExecuteStatement(ExecuteStatementRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.NotNull(request.Statement, "statement");
        errors.MinLength(request.Statement, "statement", 1);
        errors.MaxLength(request.Statement, "statement", MaxStatementLength);
        errors.MinCount(request.Parameters, "parameters", 1, "[]");
        errors.MinLength(request.NextToken, "nextToken", 1);
        errors.MaxLength(request.NextToken, "nextToken", 32768);
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.Min(request.Limit, "limit", 1);
        errors.Enum(request.ReturnValuesOnConditionCheckFailure, "returnValuesOnConditionCheckFailure", "ALL_OLD", "NONE");
        errors.NoNullElements(request.Parameters, "parameters");
        errors.ThrowIfAny();

        var statement = PartiQLParser.Parse(request.Statement!, request.Parameters);
        if (request.NextToken is not null && statement is not SelectStatement)
        {
            throw DynamoDbErrors.Validation("NextToken is only valid on a SELECT statement");
        }

        var table = PartiQLPlanner.FindTable(catalog, store, caller, statement);
        if (statement is SelectStatement select)
        {
            ExecuteSelect(select, table, request, caller, writer);
            return;
        }

        var action = PartiQLPlanner.PlanItemAction(table, statement);
        authorizer.Authorize(caller, new AuthorizationRequest(action.IamAction, action.Resource, PartiQLConditionKeys.For(caller, action)));
        var outcome = ExecuteWrite(action, request.ReturnValuesOnConditionCheckFailure == "ALL_OLD");

        writer.WriteStartObject();
        writer.WriteStartArray("Items");
        if (Returned(action, outcome) is { Count: > 0 } returned)
        {
            AttributeValueJson.WriteItem(writer, returned);
        }

        writer.WriteEndArray();
        ConsumedCapacity.WriteProperty(writer, request.ReturnConsumedCapacity, table.Definition.TableName,
            WriteUnits(outcome), isRead: false);
        writer.WriteEndObject();
    }

    public void BatchExecuteStatement(BatchExecuteStatementRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        errors.NotNull(request.Statements, "statements");
        errors.MinCount(request.Statements, "statements", 1, "[]");
        errors.MaxCount(request.Statements, "statements", MaxBatchStatements, "[...]");
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.NoNullElements(request.Statements, "statements");
        errors.ThrowIfAny();

        var statements = request.Statements!;
        for (var i = 0; i < statements.Count; i++)
        {
            var member = statements[i];
            var path = $"statements.{i + 1}.member";
            errors.NotNull(member.Statement, path + ".statement");
            errors.MinLength(member.Statement, path + ".statement", 1);
            errors.MaxLength(member.Statement, path + ".statement", MaxStatementLength);
            errors.MinCount(member.Parameters, path + ".parameters", 1, "[]");
            errors.NoNullElements(member.Parameters, path + ".parameters");
            errors.Enum(member.ReturnValuesOnConditionCheckFailure, path + ".returnValuesOnConditionCheckFailure", "ALL_OLD", "NONE");
        }

        errors.ThrowIfAny();

        // Parse everything first: a batch is all reads or all writes, checked before anything runs.
        var parsed = new (PartiQLStatement? Statement, AwsServiceException? Error)[statements.Count];
        for (var i = 0; i < statements.Count; i++)
        {
            try
            {
                parsed[i] = (PartiQLParser.Parse(statements[i].Statement!, statements[i].Parameters), null);
            }
            catch (AwsServiceException exception)
            {
                parsed[i] = (null, exception);
            }
        }

        var kinds = parsed.Where(p => p.Statement is not null).Select(p => p.Statement!.IsRead).Distinct().Count();
        if (kinds > 1)
        {
            throw DynamoDbErrors.Validation("Read and write requests together in the same batch is not supported.");
        }

        // Plan every statement (table, key, checks); two statements on one item are refused up front.
        var plans = new (ItemAction? Action, AwsServiceException? Error)[statements.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < statements.Count; i++)
        {
            if (parsed[i].Error is { } parseError)
            {
                plans[i] = (null, parseError);
                continue;
            }

            try
            {
                var statement = parsed[i].Statement!;
                var action = PartiQLPlanner.PlanItemAction(PartiQLPlanner.FindTable(catalog, store, caller, statement), statement);
                if (!seen.Add(action.Table.Definition.Arn + "|" + Convert.ToBase64String(action.StorageKey)))
                {
                    throw DynamoDbErrors.Validation("Provided list of item keys contains duplicates");
                }

                plans[i] = (action, null);
            }
            catch (AwsServiceException exception) when (exception.ErrorMessage != "Provided list of item keys contains duplicates")
            {
                plans[i] = (null, exception);
            }
        }

        var consumed = new Dictionary<string, double>(StringComparer.Ordinal);
        var isRead = parsed.Any(p => p.Statement is { IsRead: true });
        writer.WriteStartObject();
        writer.WriteStartArray("Responses");
        for (var i = 0; i < statements.Count; i++)
        {
            var (action, error) = plans[i];
            Dictionary<string, AttributeValue>? item = null;
            if (action is not null)
            {
                try
                {
                    authorizer.Authorize(caller, new AuthorizationRequest(action.IamAction, action.Resource, PartiQLConditionKeys.For(caller, action)));
                    var units = 0.0;
                    if (action.Kind == ItemActionKind.Get)
                    {
                        var stored = store.Get(action.Table, action.StorageKey);
                        units = ConsumedCapacity.ReadUnits(stored is null ? 0 : ItemSize.Of(stored), statements[i].ConsistentRead ?? false);
                        if (stored is not null && action.Condition!.Evaluate(stored))
                        {
                            item = action.Projection is null ? stored : action.Projection.Apply(stored);
                        }
                    }
                    else
                    {
                        units = WriteUnits(ExecuteWrite(action, statements[i].ReturnValuesOnConditionCheckFailure == "ALL_OLD"));
                    }

                    var tableName = action.Table.Definition.TableName;
                    consumed[tableName] = consumed.GetValueOrDefault(tableName) + units;
                }
                catch (AwsServiceException exception)
                {
                    error = exception;
                }
            }

            writer.WriteStartObject();
            if (error is not null)
            {
                var code = BatchErrorCode(error.ErrorCode);
                writer.WriteStartObject("Error");
                writer.WriteString("Code", code);
                writer.WriteString("Message", error.ErrorMessage);
                if (error.ErrorCode == "ConditionalCheckFailedException")
                {
                    error.WriteExtraJsonMembers(writer);
                }

                writer.WriteEndObject();
                if (action is not null && code != "ValidationError")
                {
                    writer.WriteString("TableName", action.Table.Definition.TableName);
                }
            }
            else
            {
                writer.WriteString("TableName", action!.Table.Definition.TableName);
                if (item is { Count: > 0 })
                {
                    writer.WritePropertyName("Item");
                    AttributeValueJson.WriteItem(writer, item);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (ConsumedCapacity.IsRequested(request.ReturnConsumedCapacity) && consumed.Count > 0)
        {
            writer.WriteStartArray("ConsumedCapacity");
            foreach (var (tableName, units) in consumed)
            {
                ConsumedCapacity.WriteValue(writer, request.ReturnConsumedCapacity!, tableName, units, isRead);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Validates an ExecuteTransaction request and binds its statements to typed actions, in
    /// order, with the authorization each needs. Executing them is the transaction engine's job.
    /// </summary>
    public IReadOnlyList<ItemAction> PlanTransaction(ExecuteTransactionRequest request, CallerContext caller)
    {
        var errors = new ConstraintErrors();
        errors.NotNull(request.TransactStatements, "transactStatements");
        errors.MinCount(request.TransactStatements, "transactStatements", 1, "[]");
        errors.MaxCount(request.TransactStatements, "transactStatements", MaxTransactionStatements, "[...]");
        errors.MinLength(request.ClientRequestToken, "clientRequestToken", 1);
        errors.MaxLength(request.ClientRequestToken, "clientRequestToken", 36);
        errors.ReturnConsumedCapacity(request.ReturnConsumedCapacity);
        errors.NoNullElements(request.TransactStatements, "transactStatements");
        errors.ThrowIfAny();

        var statements = request.TransactStatements!;
        for (var i = 0; i < statements.Count; i++)
        {
            var path = $"transactStatements.{i + 1}.member";
            errors.NotNull(statements[i].Statement, path + ".statement");
            errors.MinLength(statements[i].Statement, path + ".statement", 1);
            errors.MaxLength(statements[i].Statement, path + ".statement", MaxStatementLength);
            errors.MinCount(statements[i].Parameters, path + ".parameters", 1, "[]");
            errors.NoNullElements(statements[i].Parameters, path + ".parameters");
            errors.Enum(statements[i].ReturnValuesOnConditionCheckFailure, path + ".returnValuesOnConditionCheckFailure", "ALL_OLD", "NONE");
        }

        errors.ThrowIfAny();

        var actions = new List<ItemAction>(statements.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < statements.Count; i++)
        {
            var statement = PartiQLParser.Parse(statements[i].Statement!, statements[i].Parameters, allowExists: true);
            if (statement is UpdateStatement { Returning: not ReturningKind.None } or DeleteStatement { Returning: not ReturningKind.None })
            {
                throw DynamoDbErrors.Validation($"Validation failed in TransactStatements[{i}]: RETURNING clause is not supported in ExecuteTransaction.");
            }

            if (statement.IndexName is not null && statement.IsRead)
            {
                throw DynamoDbErrors.Validation($"Validation failed in TransactStatements[{i}]: Reads on indices are not supported within transactions.");
            }

            var action = PartiQLPlanner.PlanItemAction(PartiQLPlanner.FindTable(catalog, store, caller, statement), statement);
            if (!seen.Add(action.Table.Definition.Arn + "|" + Convert.ToBase64String(action.StorageKey)))
            {
                throw DynamoDbErrors.Validation("Transaction request cannot include multiple operations on one item");
            }

            actions.Add(action);
        }

        if (actions.Select(a => a.Kind == ItemActionKind.Get).Distinct().Count() > 1)
        {
            throw DynamoDbErrors.Validation("Transaction statements must be either all reads or all writes");
        }

        return actions;
    }

    /// <summary>Runs one write action through the item store, with DynamoDB's PartiQL semantics.</summary>
    internal WriteOutcome ExecuteWrite(ItemAction action, bool returnOldOnFailure) =>
        store.Write(action.Table, action.StorageKey, current => Decide(action, current, returnOldOnFailure));

    /// <summary>The new item a write action makes of <paramref name="current"/>; throws to refuse the write.</summary>
    internal static Dictionary<string, AttributeValue>? Decide(ItemAction action, Dictionary<string, AttributeValue>? current, bool returnOldOnFailure)
    {
        switch (action.Kind)
        {
            case ItemActionKind.Put:
                if (current is not null)
                {
                    throw PartiQLErrors.DuplicateItem();
                }

                return action.Item;
            case ItemActionKind.Update:
                {
                    if (current is null || !action.Condition!.Evaluate(current))
                    {
                        throw DynamoDbErrors.ConditionalCheckFailed(returnOldOnFailure ? current : null);
                    }

                    var updated = AttributeValue.CloneItem(current);
                    action.Update!.Apply(updated);
                    if (ItemSize.Of(updated) > ItemOperations.MaxItemBytes)
                    {
                        throw DynamoDbErrors.Validation("Item size to update has exceeded the maximum allowed size");
                    }

                    return updated;
                }

            case ItemActionKind.Delete:
                if (current is not null && !action.Condition!.Evaluate(current))
                {
                    throw DynamoDbErrors.ConditionalCheckFailed(returnOldOnFailure ? current : null);
                }

                return null;
            case ItemActionKind.ConditionCheck:
                if (action.Condition is not null && !action.Condition.Evaluate(current))
                {
                    throw DynamoDbErrors.ConditionalCheckFailed(returnOldOnFailure ? current : null);
                }

                return current;
            default:
                throw new InvalidOperationException("Not a write action.");
        }
    }

    private static Dictionary<string, AttributeValue>? Returned(ItemAction action, WriteOutcome outcome)
    {
        var returning = action.Statement switch
        {
            UpdateStatement update => update.Returning,
            DeleteStatement delete => delete.Returning,
            _ => ReturningKind.None,
        };
        return returning switch
        {
            ReturningKind.AllOld => outcome.Old,
            ReturningKind.AllNew => outcome.New,
            ReturningKind.ModifiedOld => outcome.Old is null ? null : action.Update!.ProjectUpdated(outcome.Old),
            ReturningKind.ModifiedNew => outcome.New is null ? null : action.Update!.ProjectUpdated(outcome.New),
            _ => null,
        };
    }

    private static double WriteUnits(WriteOutcome outcome) =>
        ConsumedCapacity.WriteUnits(Math.Max(outcome.Old is null ? 0 : ItemSize.Of(outcome.Old), outcome.New is null ? 0 : ItemSize.Of(outcome.New)));

    /// <summary>BatchStatementError's code for an exception (the API's BatchStatementErrorCodeEnum).</summary>
    internal static string BatchErrorCode(string errorCode) => errorCode switch
    {
        "ValidationException" => "ValidationError",
        "ThrottlingException" => "ThrottlingError",
        "InternalServerError" => "InternalServerError",
        _ when errorCode.EndsWith("Exception", StringComparison.Ordinal) => errorCode[..^"Exception".Length],
        _ => errorCode,
    };

    // ----- SELECT -----

    private void ExecuteSelect(SelectStatement select, TableRuntime table, ExecuteStatementRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var definition = table.Definition;
        var target = ReadTarget.Resolve(table, select.IndexName, store, catalog);
        if (request.ConsistentRead == true && target.Index is { IsGlobal: true })
        {
            throw DynamoDbErrors.Validation("Consistent reads are not supported on global secondary indexes");
        }

        var projection = PartiQLPlanner.Projection(select);
        var filter = select.Where is null ? null : new ConditionExpression(select.Where);
        var (partitions, sortKey) = KeyPlan(target, select.Where);
        var token = request.NextToken is null ? null : DecodeToken(request.NextToken, target, partitions);
        authorizer.Authorize(caller, new AuthorizationRequest(select.Action, target.ResourceArn, PartiQLConditionKeys.ForSelect(caller, projection, partitions)));

        var items = new List<Dictionary<string, AttributeValue>>();
        long scannedBytes = 0;
        var scanned = 0;
        (int Partition, byte[] StorageKey, Dictionary<string, AttributeValue> Item)? last = null;
        var firstPartition = token?.Partition ?? 0;
        var sourceCount = partitions?.Count ?? 1;
        for (var p = firstPartition; p < sourceCount && last is null; p++)
        {
            var range = partitions is null
                ? new KeyRange(target.StoragePrefix, KeyRange.PrefixSuccessor(target.StoragePrefix))
                : ReadOperations.SortKeyRange(target.PartitionPrefix(partitions[p]), sortKey);
            if (token is not null && p == token.Value.Partition)
            {
                range = range with { Start = After(token.Value.StorageKey) };
            }

            foreach (var stored in target.Scan(range, reverse: false))
            {
                // A global index holds only its projected attributes: the filter and the result
                // see the item as the index has it.
                var item = target.AsStored(stored.Item);
                scanned++;
                scannedBytes += ItemSize.Of(item);
                if (filter is null || filter.Evaluate(item))
                {
                    items.Add(item);
                }

                if (scanned == request.Limit || scannedBytes >= ReadOperations.MaxPageBytes)
                {
                    last = (p, stored.StorageKey, item);
                    break;
                }
            }
        }

        // SELECT * of an index returns what the index projects (a local index's other attributes
        // are fetched only when named, as a Query's ProjectionExpression does).
        var projectToIndex = projection is null && target.Projected is not null;
        writer.WriteStartObject();
        writer.WriteStartArray("Items");
        foreach (var item in items)
        {
            var shown = projection is not null ? projection.Apply(item) : projectToIndex ? ReadTarget.Project(item, target.Projected!) : item;
            AttributeValueJson.WriteItem(writer, shown);
        }

        writer.WriteEndArray();
        if (last is { } stop)
        {
            writer.WriteString("NextToken", EncodeToken(stop.Partition, stop.StorageKey));
            writer.WritePropertyName("LastEvaluatedKey");
            AttributeValueJson.WriteItem(writer, target.LastKeyOf(stop.Item));
        }

        ConsumedCapacity.WriteProperty(writer, request.ReturnConsumedCapacity, definition.TableName,
            ConsumedCapacity.ReadUnits(scannedBytes, request.ConsistentRead ?? false), isRead: true);
        writer.WriteEndObject();
    }

    /// <summary>
    /// How a SELECT reads: the partition key values its WHERE pins with <c>=</c> or <c>IN</c> (a
    /// Query per value, in order) and a sort key range; null partitions means a Scan. Values of the
    /// wrong type for the key cannot match any item and are dropped.
    /// </summary>
    internal static (List<AttributeValue>? Partitions, SortKeyCondition? SortKey) KeyPlan(ReadTarget target, Node? where)
    {
        if (where is null)
        {
            return (null, null);
        }

        List<AttributeValue>? partitions = null;
        SortKeyCondition? sortKey = null;
        foreach (var conjunct in PartiQLPlanner.Conjuncts(where))
        {
            if (PartiQLPlanner.TryEquality(conjunct, out var attribute, out var value))
            {
                if (attribute == target.PartitionKeyName && partitions is null)
                {
                    partitions = [value];
                }
                else if (attribute == target.SortKeyName && sortKey is null && value.Type == target.SortKeyType)
                {
                    sortKey = new SortKeyCondition(SortKeyOperator.Equal, value);
                }

                continue;
            }

            if (partitions is null && conjunct is InNode { Subject: PathNode { ResolvedPath.IsTopLevel: true } subject } @in
                && subject.ResolvedPath.TopLevelName == target.PartitionKeyName && @in.Candidates.All(c => c is ValueNode))
            {
                partitions = @in.Candidates.Select(c => ((ValueNode)c).ResolvedValue).ToList();
                continue;
            }

            if (sortKey is null && target.SortKeyName is not null && SortRange(conjunct, target) is { } range)
            {
                sortKey = range;
            }
        }

        if (partitions is not null)
        {
            var distinct = new List<AttributeValue>();
            foreach (var value in partitions.Where(v => v.Type == target.PartitionKeyType))
            {
                if (!distinct.Any(d => ValueSemantics.DeepEquals(d, value)))
                {
                    distinct.Add(value);
                }
            }

            partitions = distinct;
        }

        return (partitions, sortKey);
    }

    /// <summary>A range condition on the sort key that can bound a Query's key range.</summary>
    private static SortKeyCondition? SortRange(Node conjunct, ReadTarget target)
    {
        bool IsSortKey(Node node) => node is PathNode { ResolvedPath.IsTopLevel: true } path && path.ResolvedPath.TopLevelName == target.SortKeyName;
        AttributeValue? KeyValue(Node node) => node is ValueNode { ResolvedValue: var v } && v.Type == target.SortKeyType ? v : null;

        switch (conjunct)
        {
            case ComparisonNode comparison when comparison.Comparator != Comparator.NotEqual:
                {
                    var flipped = !IsSortKey(comparison.Left);
                    var (path, value) = flipped ? (comparison.Right, comparison.Left) : (comparison.Left, comparison.Right);
                    if (!IsSortKey(path) || KeyValue(value) is not { } bound)
                    {
                        return null;
                    }

                    var op = comparison.Comparator switch
                    {
                        Comparator.Less => flipped ? SortKeyOperator.GreaterThan : SortKeyOperator.LessThan,
                        Comparator.LessOrEqual => flipped ? SortKeyOperator.GreaterOrEqual : SortKeyOperator.LessOrEqual,
                        Comparator.Greater => flipped ? SortKeyOperator.LessThan : SortKeyOperator.GreaterThan,
                        _ => flipped ? SortKeyOperator.LessOrEqual : SortKeyOperator.GreaterOrEqual,
                    };
                    return new SortKeyCondition(op, bound);
                }

            case BetweenNode between when IsSortKey(between.Subject) && KeyValue(between.Lower) is { } lower && KeyValue(between.Upper) is { } upper
                && ValueSemantics.Compare(lower, upper) <= 0:
                return new SortKeyCondition(SortKeyOperator.Between, lower, upper);
            default:
                return null;
        }
    }

    private static string EncodeToken(int partition, byte[] storageKey)
    {
        var bytes = new byte[3 + storageKey.Length];
        bytes[0] = TokenVersion;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(1), (ushort)partition);
        storageKey.CopyTo(bytes, 3);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>Reads a NextToken and checks it belongs to this table or index (and partition list).</summary>
    private static (int Partition, byte[] StorageKey)? DecodeToken(string token, ReadTarget target, List<AttributeValue>? partitions)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(token);
        }
        catch (FormatException)
        {
            throw InvalidToken();
        }

        if (bytes.Length < 3 + target.StoragePrefix.Length || bytes[0] != TokenVersion)
        {
            throw InvalidToken();
        }

        var partition = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(1));
        var storageKey = bytes[3..];
        var prefix = partitions is null
            ? (partition == 0 ? target.StoragePrefix : null)
            : partition < partitions.Count ? target.PartitionPrefix(partitions[partition]) : null;
        if (prefix is null || !storageKey.AsSpan().StartsWith(prefix))
        {
            throw InvalidToken();
        }

        return (partition, storageKey);
    }

    private static AwsServiceException InvalidToken() => DynamoDbErrors.Validation("Invalid NextToken");

    private static byte[] After(byte[] key)
    {
        var next = new byte[key.Length + 1];
        key.CopyTo(next, 0);
        return next;
    }
}
