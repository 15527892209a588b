using System.Text;
using Lockbox.DynamoDb.Api;

namespace Lockbox.DynamoDb.Tests.Api;

public sealed class CanonicalJsonTests
{
    private static string Canonical(string json) => Encoding.UTF8.GetString(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Member_order_and_escaping_do_not_matter()
    {
        Assert.Equal(
            Canonical("""{"TransactItems":[{"Put":{"TableName":"t","Item":{"b":{"N":"1"},"a":{"S":"x\u0041"}}}}],"ClientRequestToken":"k"}"""),
            Canonical("""{ "ClientRequestToken" : "k", "TransactItems": [ { "Put": { "Item": { "a": { "S": "xA" }, "b": { "N": "1" } }, "TableName": "t" } } ] }"""));
    }

    [Fact]
    public void Values_and_array_order_do_matter()
    {
        Assert.NotEqual(Canonical("""{"a":{"N":"1"}}"""), Canonical("""{"a":{"N":"2"}}"""));
        Assert.NotEqual(Canonical("""{"L":[1,2]}"""), Canonical("""{"L":[2,1]}"""));
        Assert.NotEqual(Canonical("""{"a":"1"}"""), Canonical("""{"a":1}"""));
    }
}
