namespace Lockbox.DynamoDb.Api;

// Request and response shapes of the table (control-plane) operations, named as in the
// DynamoDB API model so System.Text.Json binds them by member name.

public sealed class AttributeDefinitionDto
{
    public string? AttributeName { get; set; }
    public string? AttributeType { get; set; }
}

public sealed class KeySchemaElementDto
{
    public string? AttributeName { get; set; }
    public string? KeyType { get; set; }
}

public sealed class ProvisionedThroughputDto
{
    public long? ReadCapacityUnits { get; set; }
    public long? WriteCapacityUnits { get; set; }
}

public sealed class ProjectionDto
{
    public string? ProjectionType { get; set; }
    public List<string>? NonKeyAttributes { get; set; }
}

public sealed class SecondaryIndexDto
{
    public string? IndexName { get; set; }
    public List<KeySchemaElementDto>? KeySchema { get; set; }
    public ProjectionDto? Projection { get; set; }
    public ProvisionedThroughputDto? ProvisionedThroughput { get; set; }
}

/// <summary>One of UpdateTable's GlobalSecondaryIndexUpdates: exactly one of Create, Update, Delete.</summary>
public sealed class GlobalSecondaryIndexUpdateDto
{
    public SecondaryIndexDto? Create { get; set; }
    public SecondaryIndexDto? Update { get; set; }
    public SecondaryIndexDto? Delete { get; set; }
}

public sealed class TagDto
{
    public string? Key { get; set; }
    public string? Value { get; set; }
}

public sealed class StreamSpecificationDto
{
    public bool? StreamEnabled { get; set; }
    public string? StreamViewType { get; set; }
}

public sealed class SseSpecificationDto
{
    public bool? Enabled { get; set; }
    public string? SSEType { get; set; }
    public string? KMSMasterKeyId { get; set; }
}

public sealed class CreateTableRequest
{
    public string? TableName { get; set; }
    public List<AttributeDefinitionDto>? AttributeDefinitions { get; set; }
    public List<KeySchemaElementDto>? KeySchema { get; set; }
    public List<SecondaryIndexDto>? LocalSecondaryIndexes { get; set; }
    public List<SecondaryIndexDto>? GlobalSecondaryIndexes { get; set; }
    public string? BillingMode { get; set; }
    public ProvisionedThroughputDto? ProvisionedThroughput { get; set; }
    public StreamSpecificationDto? StreamSpecification { get; set; }
    public SseSpecificationDto? SSESpecification { get; set; }
    public List<TagDto>? Tags { get; set; }
    public string? TableClass { get; set; }
    public bool? DeletionProtectionEnabled { get; set; }
    public string? ResourcePolicy { get; set; }
}

public sealed class TableNameRequest
{
    public string? TableName { get; set; }
}

public sealed class ListTablesRequest
{
    public string? ExclusiveStartTableName { get; set; }
    public int? Limit { get; set; }
}

public sealed class UpdateTableRequest
{
    public string? TableName { get; set; }
    public List<AttributeDefinitionDto>? AttributeDefinitions { get; set; }
    public string? BillingMode { get; set; }
    public ProvisionedThroughputDto? ProvisionedThroughput { get; set; }
    public List<GlobalSecondaryIndexUpdateDto>? GlobalSecondaryIndexUpdates { get; set; }
    public StreamSpecificationDto? StreamSpecification { get; set; }
    public SseSpecificationDto? SSESpecification { get; set; }
    public string? TableClass { get; set; }
    public bool? DeletionProtectionEnabled { get; set; }
}

public sealed class TimeToLiveSpecificationDto
{
    public string? AttributeName { get; set; }
    public bool? Enabled { get; set; }
}

public sealed class UpdateTimeToLiveRequest
{
    public string? TableName { get; set; }
    public TimeToLiveSpecificationDto? TimeToLiveSpecification { get; set; }
}
