namespace Lockbox.DynamoDb.Api;

public sealed class PutResourcePolicyRequest
{
    public string? ResourceArn { get; set; }
    public string? Policy { get; set; }
    public string? ExpectedRevisionId { get; set; }
    public bool? ConfirmRemoveSelfResourceAccess { get; set; }
}

public sealed class GetResourcePolicyRequest
{
    public string? ResourceArn { get; set; }
}

public sealed class DeleteResourcePolicyRequest
{
    public string? ResourceArn { get; set; }
    public string? ExpectedRevisionId { get; set; }
}
