using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;

namespace Lockbox.DynamoDb.Operations;

/// <summary>DescribeEndpoints and DescribeLimits: account-level questions without a table.</summary>
internal sealed class AccountOperations(IRequestAuthorizer authorizer)
{
    /// <summary>DynamoDB's default provisioned-capacity quotas per account and region.</summary>
    public const long AccountMaxCapacityUnits = 80_000;

    /// <summary>DynamoDB's default provisioned-capacity quotas per table (table plus its GSIs).</summary>
    public const long TableMaxCapacityUnits = 40_000;

    /// <summary>How long a client may cache the endpoint (DynamoDB answers 1440 minutes, one day).</summary>
    public const long EndpointCachePeriodMinutes = 1440;

    /// <summary>
    /// The endpoint clients should use: the host (and port) this request reached, so a client doing
    /// endpoint discovery keeps talking to this server rather than to AWS. DynamoDB answers
    /// <c>dynamodb.REGION.amazonaws.com</c>, the host name it is reached at, without a scheme.
    /// </summary>
    public void DescribeEndpoints(EmptyRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(request);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DescribeEndpoints", "*"));
        writer.WriteStartObject();
        writer.WriteStartArray("Endpoints");
        writer.WriteStartObject();
        writer.WriteString("Address", string.IsNullOrEmpty(caller.Host) ? "localhost" : caller.Host);
        writer.WriteNumber("CachePeriodInMinutes", EndpointCachePeriodMinutes);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>AWS's default quotas for a new account (reported; Lockbox does not enforce them).</summary>
    public void DescribeLimits(EmptyRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(request);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DescribeLimits", "*"));
        writer.WriteStartObject();
        writer.WriteNumber("AccountMaxReadCapacityUnits", AccountMaxCapacityUnits);
        writer.WriteNumber("AccountMaxWriteCapacityUnits", AccountMaxCapacityUnits);
        writer.WriteNumber("TableMaxReadCapacityUnits", TableMaxCapacityUnits);
        writer.WriteNumber("TableMaxWriteCapacityUnits", TableMaxCapacityUnits);
        writer.WriteEndObject();
    }
}
