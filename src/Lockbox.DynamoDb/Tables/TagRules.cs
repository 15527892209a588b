using Lockbox.DynamoDb.Api;

namespace Lockbox.DynamoDb.Tables;

/// <summary>
/// DynamoDB's tag rules: at most 50 tags per resource; keys of 1-128 and values of 0-256
/// characters made of Unicode letters, digits, white space and <c>_ . : / = + - @</c>; keys
/// starting with <c>aws:</c> (any case) are reserved for AWS. Length limits are checked as
/// constraint errors (<see cref="ConstraintErrors"/>), the rest here.
/// </summary>
public static class TagRules
{
    public const int MaxTagsPerResource = 50;
    public const int MaxKeyLength = 128;
    public const int MaxValueLength = 256;

    /// <summary>The length constraints of a tag list, as DynamoDB's framework reports them.</summary>
    public static void CheckConstraints(List<TagDto>? tags, string path, ConstraintErrors errors)
    {
        if (tags is null)
        {
            return;
        }

        errors.NoNullElements(tags, path);
        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i] is not { } tag)
            {
                continue;
            }

            var member = $"{path}.{i + 1}.member";
            errors.NotNull(tag.Key, member + ".key");
            errors.MinLength(tag.Key, member + ".key", 1);
            errors.MaxLength(tag.Key, member + ".key", MaxKeyLength);
            errors.NotNull(tag.Value, member + ".value");
            errors.MaxLength(tag.Value, member + ".value", MaxValueLength);
        }
    }

    /// <summary>The length constraints of a list of tag keys (UntagResource).</summary>
    public static void CheckKeyConstraints(List<string>? keys, string path, ConstraintErrors errors)
    {
        if (keys is null)
        {
            return;
        }

        errors.NoNullElements(keys, path);
        for (var i = 0; i < keys.Count; i++)
        {
            errors.MinLength(keys[i], $"{path}.{i + 1}.member", 1);
            errors.MaxLength(keys[i], $"{path}.{i + 1}.member", MaxKeyLength);
        }
    }

    /// <summary>The character set and reserved prefix of one tag key (and value, when given).</summary>
    public static void CheckKey(string key)
    {
        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            throw DynamoDbErrors.InvalidParameter("Tag keys starting with 'aws:' are reserved for system use");
        }

        if (!IsValidText(key))
        {
            throw DynamoDbErrors.InvalidParameter($"Tag key '{key}' contains characters that are not allowed");
        }
    }

    public static void CheckTag(TagDto tag)
    {
        CheckKey(tag.Key!);
        if (!IsValidText(tag.Value!))
        {
            throw DynamoDbErrors.InvalidParameter($"Tag value '{tag.Value}' contains characters that are not allowed");
        }
    }

    /// <summary>More than 50 tags on one resource.</summary>
    public static Lockbox.Common.AwsServiceException TooMany() =>
        DynamoDbErrors.InvalidParameter("The number of tags exceeds the limit of 50");

    /// <summary>Unicode letters, digits, white space and _ . : / = + - @ (AWS's tag character set).</summary>
    public static bool IsValidText(string text)
    {
        foreach (var c in text)
        {
            var valid = char.IsLetter(c) || char.IsDigit(c) || char.IsWhiteSpace(c) || char.IsNumber(c)
                || c is '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@'
                || char.IsSurrogate(c);
            if (!valid)
            {
                return false;
            }
        }

        return true;
    }
}
