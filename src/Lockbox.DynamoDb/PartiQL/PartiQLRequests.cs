using System.Text.Json.Serialization;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.PartiQL;

// Request shapes of ExecuteStatement, BatchExecuteStatement and ExecuteTransaction, named as in
// the DynamoDB API model.

public sealed class ExecuteStatementRequest
{
    public string? Statement { get; set; }
    public List<AttributeValue>? Parameters { get; set; }
    public bool? ConsistentRead { get; set; }
    public string? NextToken { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
    public int? Limit { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class BatchStatementRequestDto
{
    public string? Statement { get; set; }
    public List<AttributeValue>? Parameters { get; set; }
    public bool? ConsistentRead { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class BatchExecuteStatementRequest
{
    public List<BatchStatementRequestDto>? Statements { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
}

public sealed class ParameterizedStatementDto
{
    public string? Statement { get; set; }
    public List<AttributeValue>? Parameters { get; set; }
    public string? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class ExecuteTransactionRequest
{
    public List<ParameterizedStatementDto>? TransactStatements { get; set; }
    public string? ClientRequestToken { get; set; }
    public string? ReturnConsumedCapacity { get; set; }
}

/// <summary>
/// Source-generated contracts for the PartiQL requests, kept beside them so the PartiQL feature is
/// self-contained; the options match <see cref="Api.DynamoDbJsonContext"/>.
/// </summary>
[JsonSourceGenerationOptions(
    Converters = [typeof(ItemJsonConverter), typeof(AttributeValueJsonConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 160)]
[JsonSerializable(typeof(ExecuteStatementRequest))]
[JsonSerializable(typeof(BatchExecuteStatementRequest))]
[JsonSerializable(typeof(ExecuteTransactionRequest))]
internal sealed partial class PartiQLJsonContext : JsonSerializerContext
{
}
