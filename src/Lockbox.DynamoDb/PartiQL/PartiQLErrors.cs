using Lockbox.Common;

namespace Lockbox.DynamoDb.PartiQL;

/// <summary>DynamoDB's errors for PartiQL statements (see docs/ARCHITECTURE.md, "PartiQL").</summary>
internal static class PartiQLErrors
{
    /// <summary>A statement that does not parse: DynamoDB wraps the detail in a fixed envelope.</summary>
    public static AwsServiceException Syntax(string detail) =>
        DynamoDbErrors.Validation("Statement wasn't well formed, can't be processed: " + detail);

    public static AwsServiceException ParameterCount() =>
        DynamoDbErrors.Validation("Number of parameters in request and statement don't match.");

    public static AwsServiceException KeyEqualityMissing() =>
        DynamoDbErrors.Validation("Where clause does not contain a mandatory equality on all key attributes");

    public static AwsServiceException DuplicateItem() =>
        new(DynamoDbErrors.DynamoDbNamespace, "DuplicateItemException", "Duplicate primary key exists in table");

    public static AwsServiceException NotOnIndex() =>
        DynamoDbErrors.Validation("This operation is not supported on an index");

    public static AwsServiceException Unsupported(string detail) =>
        DynamoDbErrors.Validation("Unsupported operation: " + detail);
}
