using System.Text;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.Iam.Policy;

namespace Lockbox.DynamoDb.Tables;

/// <summary>
/// A resource-based policy document as DynamoDB accepts and stores it: at most 20,480 bytes as
/// sent (white space counts), valid JSON with statements that IAM's resource-policy grammar
/// accepts, stored minified (white space is not given back). Errors are DynamoDB's "Invalid policy
/// document" validation texts carrying the policy engine's message.
/// </summary>
public static class ResourcePolicyDocument
{
    public const int MaxBytes = 20480;

    /// <summary>Checks <paramref name="policy"/> and returns the form that is stored and given back.</summary>
    public static string Normalize(string policy)
    {
        if (Encoding.UTF8.GetByteCount(policy) > MaxBytes)
        {
            throw DynamoDbErrors.InvalidParameter($"Maximum policy size of {MaxBytes} bytes exceeded");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(policy);
        }
        catch (JsonException)
        {
            throw InvalidDocument("This policy contains invalid Json");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw InvalidDocument("This policy contains invalid Json");
            }

            if (!document.RootElement.TryGetProperty("Statement", out var statement)
                || statement.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object)
                || (statement.ValueKind == JsonValueKind.Array && statement.GetArrayLength() == 0))
            {
                throw InvalidDocument("Could not parse the policy: Statement is empty!");
            }

            // The statements themselves: IAM's resource-policy grammar (Principal required).
            try
            {
                PolicyParser.Parse(policy, PolicyKind.Resource);
            }
            catch (MalformedPolicyDocumentException exception)
            {
                // DynamoDB words a missing Resource as the resource-policy grammar's missing field.
                throw InvalidDocument(exception.Message == PolicyErrors.MissingResources ? "Missing required field Resource" : exception.Message);
            }

            var buffer = new System.Buffers.ArrayBufferWriter<byte>(policy.Length);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                document.RootElement.WriteTo(writer);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    /// <summary>True when two stored documents say the same thing (member order does not matter).</summary>
    public static bool Equivalent(string stored, string candidate) =>
        CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(stored)).AsSpan()
            .SequenceEqual(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(candidate)));

    private static AwsServiceException InvalidDocument(string detail) =>
        DynamoDbErrors.InvalidParameter("Invalid policy document: " + detail);
}
