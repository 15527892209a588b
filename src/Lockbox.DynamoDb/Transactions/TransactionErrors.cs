using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Items;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Transactions;

/// <summary>Why one action of a cancelled transaction failed (DynamoDB's CancellationReason).</summary>
/// <param name="Code">None, ConditionalCheckFailed, TransactionConflict, ValidationError...</param>
/// <param name="Message">DynamoDB's text for the code; null for None.</param>
/// <param name="Item">The item as it was, when the action asked for ReturnValuesOnConditionCheckFailure=ALL_OLD.</param>
public sealed record CancellationReason(string Code, string? Message = null, IReadOnlyDictionary<string, AttributeValue>? Item = null)
{
    public static CancellationReason None { get; } = new("None");

    public static CancellationReason ConditionalCheckFailed(IReadOnlyDictionary<string, AttributeValue>? item) =>
        new("ConditionalCheckFailed", "The conditional request failed", item);

    public static CancellationReason TransactionConflict { get; } = new("TransactionConflict", InFlightKeys.ConflictMessage);

    public static CancellationReason ValidationError(string? message) => new("ValidationError", message);
}

/// <summary>
/// TransactionCanceledException: one reason per action, in request order, listed in the message as
/// DynamoDB words it, with the model's capitalised <c>Message</c> member.
/// </summary>
public sealed class TransactionCanceledException(IReadOnlyList<CancellationReason> reasons)
    : AwsServiceException(DynamoDbErrors.DynamoDbNamespace, "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons [" + string.Join(", ", reasons.Select(r => r.Code)) + "]",
        capitalizedMessageMember: true)
{
    public IReadOnlyList<CancellationReason> Reasons { get; } = reasons;

    public override void WriteExtraJsonMembers(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("CancellationReasons");
        foreach (var reason in Reasons)
        {
            writer.WriteStartObject();
            if (reason.Item is not null)
            {
                writer.WritePropertyName("Item");
                AttributeValueJson.WriteItem(writer, reason.Item);
            }

            writer.WriteString("Code", reason.Code);
            if (reason.Message is not null)
            {
                writer.WriteString("Message", reason.Message);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}

/// <summary>The other transaction-only errors.</summary>
public static class TransactionErrors
{
    public static AwsServiceException InProgress() =>
        new(DynamoDbErrors.DynamoDbNamespace, "TransactionInProgressException",
            "The transaction with the given request token is already in progress.", capitalizedMessageMember: true);

    /// <summary>DynamoDB's wording was not available to check; this text is ours.</summary>
    public static AwsServiceException IdempotentParameterMismatch() =>
        new(DynamoDbErrors.DynamoDbNamespace, "IdempotentParameterMismatchException",
            "The request uses the same client token as a previous, but non-identical request.", capitalizedMessageMember: true);

    public static AwsServiceException MultipleOperationsOnOneItem() =>
        DynamoDbErrors.Validation("Transaction request cannot include multiple operations on one item");
}
