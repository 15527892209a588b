using Lockbox.Common;
using Lockbox.Kms.Envelope;
using Lockbox.Storage.RocksDb;

namespace Lockbox.DynamoDb.Tests.Api;

/// <summary>
/// A ClientRequestToken identifies a request by meaning: a retry whose JSON members come in another
/// order (as the Go SDK's map serialization produces) is the same request and is not applied twice;
/// a request that differs in a value is IdempotentParameterMismatchException.
/// </summary>
public sealed class TransactionTokenTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-token-" + Guid.NewGuid().ToString("N"));
    private readonly RocksDbStorageEngine _storage;
    private readonly MasterKey _masterKey = MasterKey.FromBytes(new byte[32]);
    private readonly DynamoDbService _service;

    public TransactionTokenTests()
    {
        _storage = RocksDbStorageEngine.Open(_directory);
        _service = new DynamoDbService(_storage, _masterKey, new RootOnlyAuthorizer(), TimeProvider.System);
        ServiceCalls.Invoke(_service, "CreateTable", """{"TableName":"tok","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}""");
    }

    [Fact]
    public void A_retry_with_reordered_members_is_the_same_request()
    {
        ServiceCalls.Invoke(_service, "TransactWriteItems", """
            {"ClientRequestToken":"t1","TransactItems":[{"Update":{"TableName":"tok","Key":{"pk":{"S":"c"}},
             "UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}]}
            """);
        ServiceCalls.Invoke(_service, "TransactWriteItems", """
            {"TransactItems":[{"Update":{"ExpressionAttributeValues":{":one":{"N":"1"}},"UpdateExpression":"ADD n :one",
             "Key":{"pk":{"S":"c"}},"TableName":"tok"}}],"ClientRequestToken":"t1"}
            """);
        Assert.Contains("\"n\":{\"N\":\"1\"}", ServiceCalls.Invoke(_service, "GetItem", """{"TableName":"tok","Key":{"pk":{"S":"c"}}}"""), StringComparison.Ordinal);

        var mismatch = Assert.Throws<AwsServiceException>(() => ServiceCalls.Invoke(_service, "TransactWriteItems", """
            {"ClientRequestToken":"t1","TransactItems":[{"Update":{"TableName":"tok","Key":{"pk":{"S":"c"}},
             "UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"2"}}}}]}
            """));
        Assert.Equal("IdempotentParameterMismatchException", mismatch.ErrorCode);
    }

    public void Dispose()
    {
        _service.Dispose();
        _storage.Dispose();
        _masterKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
