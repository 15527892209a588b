using System.Text.Json.Serialization;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Api;

/// <summary>
/// Source-generated System.Text.Json contracts for every DynamoDB request (no reflection on the
/// request path). Attribute values and items go through the hand-written readers in Values/.
/// </summary>
[JsonSourceGenerationOptions(
    Converters = [typeof(ItemJsonConverter), typeof(AttributeValueJsonConverter), typeof(RequestItemJsonConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // An item may nest 32 levels of M/L, which is about 70 JSON levels inside a request; the
    // attribute-value reader enforces DynamoDB's own limit with DynamoDB's message.
    MaxDepth = 160)]
[JsonSerializable(typeof(CreateTableRequest))]
[JsonSerializable(typeof(TableNameRequest))]
[JsonSerializable(typeof(ListTablesRequest))]
[JsonSerializable(typeof(UpdateTableRequest))]
[JsonSerializable(typeof(GetItemRequest))]
[JsonSerializable(typeof(PutItemRequest))]
[JsonSerializable(typeof(DeleteItemRequest))]
[JsonSerializable(typeof(UpdateItemRequest))]
[JsonSerializable(typeof(QueryRequest))]
[JsonSerializable(typeof(ScanRequest))]
[JsonSerializable(typeof(BatchGetItemRequest))]
[JsonSerializable(typeof(BatchWriteItemRequest))]
[JsonSerializable(typeof(UpdateTimeToLiveRequest))]
[JsonSerializable(typeof(TransactWriteItemsRequest))]
[JsonSerializable(typeof(TransactGetItemsRequest))]
[JsonSerializable(typeof(CreateBackupRequest))]
[JsonSerializable(typeof(BackupArnRequest))]
[JsonSerializable(typeof(ListBackupsRequest))]
[JsonSerializable(typeof(RestoreTableFromBackupRequest))]
[JsonSerializable(typeof(RestoreTableToPointInTimeRequest))]
[JsonSerializable(typeof(UpdateContinuousBackupsRequest))]
[JsonSerializable(typeof(TagResourceRequest))]
[JsonSerializable(typeof(PutResourcePolicyRequest))]
[JsonSerializable(typeof(GetResourcePolicyRequest))]
[JsonSerializable(typeof(DeleteResourcePolicyRequest))]
[JsonSerializable(typeof(UntagResourceRequest))]
[JsonSerializable(typeof(ListTagsOfResourceRequest))]
[JsonSerializable(typeof(EmptyRequest))]
internal sealed partial class DynamoDbJsonContext : JsonSerializerContext
{
}
