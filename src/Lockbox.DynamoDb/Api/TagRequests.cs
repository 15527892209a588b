namespace Lockbox.DynamoDb.Api;

// Request shapes of the tagging operations and of the operations without input, named as in
// the DynamoDB API model.

public sealed class TagResourceRequest
{
    public string? ResourceArn { get; set; }
    public List<TagDto>? Tags { get; set; }
}

public sealed class UntagResourceRequest
{
    public string? ResourceArn { get; set; }
    public List<string>? TagKeys { get; set; }
}

public sealed class ListTagsOfResourceRequest
{
    public string? ResourceArn { get; set; }
    public string? NextToken { get; set; }
}

/// <summary>DescribeEndpoints and DescribeLimits take no members (unknown ones are ignored, as everywhere).</summary>
public sealed class EmptyRequest
{
}
