using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb;

/// <summary>
/// DynamoDB's error types with their exact namespaces and message members (see
/// docs/ARCHITECTURE.md, "Errors"). Engines throw what these return.
/// </summary>
public static class DynamoDbErrors
{
    public const string DynamoDbNamespace = "com.amazonaws.dynamodb.v20120810";
    public const string ValidateNamespace = "com.amazon.coral.validate";
    public const string ServiceNamespace = "com.amazon.coral.service";

    public static AwsServiceException Validation(string message) =>
        new(ValidateNamespace, "ValidationException", message);

    /// <summary>"One or more parameter values were invalid: ..." — DynamoDB's prefix for semantic checks.</summary>
    public static AwsServiceException InvalidParameter(string detail) =>
        Validation("One or more parameter values were invalid: " + detail);

    public static AwsServiceException Serialization(string? message) =>
        new(ServiceNamespace, "SerializationException", message, capitalizedMessageMember: true);

    /// <summary>Data-plane form (GetItem, PutItem, Query, Scan, Batch*).</summary>
    public static AwsServiceException ResourceNotFound() =>
        new(DynamoDbNamespace, "ResourceNotFoundException", "Requested resource not found");

    /// <summary>Control-plane form (DescribeTable, DeleteTable, UpdateTable).</summary>
    public static AwsServiceException TableNotFound(string tableName) =>
        new(DynamoDbNamespace, "ResourceNotFoundException", $"Requested resource not found: Table: {tableName} not found");

    public static AwsServiceException ResourceInUse(string message) =>
        new(DynamoDbNamespace, "ResourceInUseException", message);

    /// <summary>A provisioned table's (or index's) read or write capacity, burst included, is spent.</summary>
    public static AwsServiceException ProvisionedThroughputExceeded(string resourceArn, bool isRead, bool isIndex = false) =>
        new ProvisionedThroughputExceededException(resourceArn,
            (isIndex ? "Index" : "Table") + (isRead ? "Read" : "Write") + "ProvisionedThroughputExceeded",
            isIndex
                ? "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API."
                : "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.");

    /// <summary>
    /// ProvisionedThroughputExceededException with DynamoDB's message and the ThrottlingReasons
    /// member DynamoDB added in 2025 (reason and the throttled resource's ARN).
    /// </summary>
    private sealed class ProvisionedThroughputExceededException(string resourceArn, string reason, string message)
        : AwsServiceException(DynamoDbNamespace, "ProvisionedThroughputExceededException", message)
    {
        public override void WriteExtraJsonMembers(Utf8JsonWriter writer)
        {
            writer.WriteStartArray("ThrottlingReasons");
            writer.WriteStartObject();
            writer.WriteString("reason", reason);
            writer.WriteString("resource", resourceArn);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }
    }

    public static AwsServiceException ConditionalCheckFailed(IReadOnlyDictionary<string, AttributeValue>? item) =>
        new ConditionalCheckFailedException(item);

    /// <summary>ConditionalCheckFailedException, carrying the old item when ReturnValuesOnConditionCheckFailure=ALL_OLD.</summary>
    private sealed class ConditionalCheckFailedException(IReadOnlyDictionary<string, AttributeValue>? item)
        : AwsServiceException(DynamoDbNamespace, "ConditionalCheckFailedException", "The conditional request failed")
    {
        public override void WriteExtraJsonMembers(Utf8JsonWriter writer)
        {
            if (item is null)
            {
                return;
            }

            writer.WritePropertyName("Item");
            AttributeValueJson.WriteItem(writer, item);
        }
    }
}
