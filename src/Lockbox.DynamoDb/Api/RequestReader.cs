using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lockbox.Common;

namespace Lockbox.DynamoDb.Api;

/// <summary>Deserializes a request body into its typed shape, with DynamoDB's errors for bad JSON.</summary>
internal static class RequestReader
{
    public static T Read<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (body.IsEmpty)
        {
            throw DynamoDbErrors.Serialization(null);
        }

        try
        {
            return JsonSerializer.Deserialize(body.Span, typeInfo) ?? throw DynamoDbErrors.Serialization(null);
        }
        catch (AwsServiceException)
        {
            throw;
        }
        catch (JsonException exception)
        {
            // A body that is not JSON at all has no message; a member of the wrong JSON type
            // gets DynamoDB's text naming the token and the expected type.
            throw DynamoDbErrors.Serialization(exception.Path is null or "$" ? null : SerializationErrors.Describe(body.Span, exception));
        }
        catch (InvalidOperationException)
        {
            throw DynamoDbErrors.Serialization(null);
        }
    }
}
