using System.Net;
using System.Text.Json;

namespace Lockbox.IntegrationTests.TestKit;

/// <summary>Signed calls to the DynamoDB Streams API (target prefix DynamoDBStreams_20120810).</summary>
public static class StreamsApi
{
    public static async Task<JsonElement> CallAsync(string endpoint, string accessKey, string secretKey, string operation, object body)
    {
        using var client = new RawDynamoDbClient(endpoint, accessKey, secretKey, TimeSpan.FromSeconds(30), targetPrefix: "DynamoDBStreams_20120810");
        var response = await client.SendAsync(operation, JsonSerializer.Serialize(body)).ConfigureAwait(false);
        Assert.True(response.Status == HttpStatusCode.OK, $"{operation}: HTTP {(int)response.Status}: {response.BodyText}");
        return JsonDocument.Parse(response.Body).RootElement.Clone();
    }
}
