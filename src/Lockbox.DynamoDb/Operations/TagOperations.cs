using System.Text;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Tables;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// TagResource, UntagResource and ListTagsOfResource on table ARNs. Tags live in the table's
/// definition (so CreateTable's Tags and these operations share one list) and change under the
/// table's definition lock, so concurrent tag and table updates do not lose each other's changes.
/// </summary>
internal sealed class TagOperations(TableCatalog catalog, IRequestAuthorizer authorizer)
{
    /// <summary>Tags per ListTagsOfResource page (DynamoDB documents none; see ARCHITECTURE.md).</summary>
    public const int ListPageSize = 10;

    private const int MaxArnLength = 1283;

    /// <summary>The condition keys of tags a request sets: aws:TagKeys and one aws:RequestTag/KEY per tag.</summary>
    internal static Dictionary<string, IReadOnlyList<string>> RequestTagKeys(IReadOnlyList<TagDto> tags)
    {
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["aws:TagKeys"] = tags.Select(t => t.Key!).ToList(),
        };
        foreach (var tag in tags)
        {
            keys["aws:RequestTag/" + tag.Key] = [tag.Value!];
        }

        return keys;
    }

    public void TagResource(TagResourceRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var arn = RequireArn(request.ResourceArn);
        var errors = new ConstraintErrors();
        errors.MaxLength(arn, "resourceArn", MaxArnLength);
        errors.NotNull(request.Tags, "tags");
        TagRules.CheckConstraints(request.Tags, "tags", errors);
        errors.ThrowIfAny();

        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:TagResource", ResourceOf(arn), RequestTagKeys(request.Tags!)));
        var tableName = ParseTableArn(arn);
        var tags = request.Tags!;
        if (tags.Count == 0)
        {
            throw DynamoDbErrors.Validation("Atleast one Tag needs to be provided as Input.");
        }

        foreach (var tag in tags)
        {
            TagRules.CheckTag(tag);
        }

        var table = FindTable(arn, tableName, caller) ?? throw NotFound(arn);
        lock (table.DefinitionLock)
        {
            var changed = TableCatalog.Copy(table.Definition);
            foreach (var tag in tags)
            {
                var existing = changed.Tags.FindIndex(t => t.Key == tag.Key);
                if (existing >= 0)
                {
                    changed.Tags[existing] = new TagDto { Key = tag.Key, Value = tag.Value };
                }
                else
                {
                    changed.Tags.Add(new TagDto { Key = tag.Key, Value = tag.Value });
                }
            }

            if (changed.Tags.Count > TagRules.MaxTagsPerResource)
            {
                throw TagRules.TooMany();
            }

            catalog.Update(table, changed);
        }

        // DynamoDB answers TagResource and UntagResource with an empty body (SDKs skip reading it,
        // so a "{}" would fail their CRC32 check).
        _ = writer;
    }

    public void UntagResource(UntagResourceRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var arn = RequireArn(request.ResourceArn);
        var errors = new ConstraintErrors();
        errors.MaxLength(arn, "resourceArn", MaxArnLength);
        errors.NotNull(request.TagKeys, "tagKeys");
        TagRules.CheckKeyConstraints(request.TagKeys, "tagKeys", errors);
        errors.ThrowIfAny();

        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:UntagResource", ResourceOf(arn),
            new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["aws:TagKeys"] = request.TagKeys! }));
        var tableName = ParseTableArn(arn);
        var keys = request.TagKeys!;
        if (keys.Count == 0)
        {
            throw DynamoDbErrors.Validation("Atleast one Tag Key needs to be provided as Input.");
        }

        foreach (var key in keys)
        {
            TagRules.CheckKey(key);
        }

        // UntagResource's not-found message names nothing (observed).
        var table = FindTable(arn, tableName, caller) ?? throw DynamoDbErrors.ResourceNotFound();
        lock (table.DefinitionLock)
        {
            var changed = TableCatalog.Copy(table.Definition);
            var removed = changed.Tags.RemoveAll(t => keys.Contains(t.Key!, StringComparer.Ordinal));
            if (removed > 0)
            {
                catalog.Update(table, changed);
            }
        }

        // DynamoDB answers TagResource and UntagResource with an empty body (SDKs skip reading it,
        // so a "{}" would fail their CRC32 check).
        _ = writer;
    }

    public void ListTagsOfResource(ListTagsOfResourceRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var arn = RequireArn(request.ResourceArn);
        var errors = new ConstraintErrors();
        errors.MaxLength(arn, "resourceArn", MaxArnLength);
        errors.ThrowIfAny();

        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:ListTagsOfResource", ResourceOf(arn)));
        var tableName = ParseTableArn(arn);
        var after = request.NextToken is null ? null : DecodeToken(request.NextToken);
        var table = FindTable(arn, tableName, caller) ?? throw NotFound(arn);

        // Listed in key order; NextToken names the last key returned, so a page boundary stays
        // put while tags are added or removed between calls.
        var tags = table.Definition.Tags
            .Where(t => after is null || string.CompareOrdinal(t.Key, after) > 0)
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .ToList();
        var page = tags.Take(ListPageSize).ToList();
        writer.WriteStartObject();
        writer.WriteStartArray("Tags");
        foreach (var tag in page)
        {
            writer.WriteStartObject();
            writer.WriteString("Key", tag.Key);
            writer.WriteString("Value", tag.Value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (tags.Count > page.Count)
        {
            writer.WriteString("NextToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1].Key!)));
        }

        writer.WriteEndObject();
    }

    /// <summary>A missing ResourceArn is reported before any other check, as DynamoDB does.</summary>
    private static string RequireArn(string? arn) => arn ?? throw DynamoDbErrors.Validation("Invalid TableArn");

    /// <summary>What the authorizer is asked about: the ARN as given, or "*" when it is empty.</summary>
    private static string ResourceOf(string arn) => arn.Length == 0 ? "*" : arn;

    /// <summary>
    /// The table name of <c>arn:aws:dynamodb:REGION:ACCOUNT:table/NAME</c>; anything else (another
    /// service, an index or stream ARN, a bad table name) is DynamoDB's "Invalid TableArn" error.
    /// </summary>
    public static string ParseTableArn(string arn)
    {
        var parts = arn.Split(':', 6);
        if (parts.Length == 6 && parts[0] == "arn" && parts[1].StartsWith("aws", StringComparison.Ordinal)
            && parts[2] == "dynamodb" && parts[3].Length > 0
            && parts[4].Length > 0 && parts[4].All(char.IsAsciiDigit)
            && parts[5].StartsWith("table/", StringComparison.Ordinal))
        {
            var name = parts[5]["table/".Length..];
            if (name.Length is >= 3 and <= 255 && ConstraintErrors.IsValidName(name))
            {
                return name;
            }
        }

        throw DynamoDbErrors.Validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
    }

    /// <summary>The table the ARN names, if it is in the caller's account and region.</summary>
    private TableRuntime? FindTable(string arn, string tableName, CallerContext caller)
    {
        var table = catalog.Find(caller.Principal.AccountId, caller.Region, tableName);
        return table is not null && table.Definition.Arn == arn ? table : null;
    }

    private static AwsServiceException NotFound(string arn) =>
        new(DynamoDbErrors.DynamoDbNamespace, "ResourceNotFoundException", $"Requested resource not found: ResourcArn: {arn} not found");

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw DynamoDbErrors.Validation("Invalid NextToken: " + token);
        }
    }
}
