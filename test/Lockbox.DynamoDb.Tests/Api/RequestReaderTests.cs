using System.Text;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;

namespace Lockbox.DynamoDb.Tests.Api;

/// <summary>DynamoDB's SerializationException texts for members of the wrong JSON type.</summary>
public class RequestReaderTests
{
    [Theory]
    [InlineData("""{"TableName": 23}""", "NUMBER_VALUE cannot be converted to String")]
    [InlineData("""{"TableName": 34.56}""", "DECIMAL_VALUE cannot be converted to String")]
    [InlineData("""{"TableName": true}""", "TRUE_VALUE cannot be converted to String")]
    [InlineData("""{"TableName": []}""", "Unrecognized collection type class java.lang.String")]
    [InlineData("""{"TableName": {}}""", "Start of structure or map found where not expected")]
    [InlineData("""{"TableName": "abc", "Limit": "23"}""", "STRING_VALUE cannot be converted to Integer")]
    [InlineData("""{"TableName": "abc", "Limit": false}""", "FALSE_VALUE cannot be converted to Integer")]
    [InlineData("""{"TableName": "abc", "ConsistentRead": 23}""", "NUMBER_VALUE cannot be converted to Boolean")]
    [InlineData("""{"TableName": "abc", "ConsistentRead": "23"}""", "Unexpected token received from parser")]
    [InlineData("""{"TableName": "abc", "AttributesToGet": "a"}""", "Unexpected field type")]
    public void WrongJsonType_GetsDynamoDbsText(string body, string expected)
    {
        var error = Assert.Throws<AwsServiceException>(() =>
            RequestReader.Read(Encoding.UTF8.GetBytes(body), DynamoDbJsonContext.Default.QueryRequest));
        Assert.Equal("SerializationException", error.ErrorCode);
        Assert.Equal(expected, error.ErrorMessage);
    }

    [Fact]
    public void NestedMember_IsFoundByPath()
    {
        const string body = """{"TableName": "abc", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": true}]}""";
        var error = Assert.Throws<AwsServiceException>(() =>
            RequestReader.Read(Encoding.UTF8.GetBytes(body), DynamoDbJsonContext.Default.CreateTableRequest));
        Assert.Equal("TRUE_VALUE cannot be converted to String", error.ErrorMessage);
    }

    [Theory]
    [InlineData("hi")]
    [InlineData("""{"TableName": "abc",}""")]
    [InlineData("")]
    public void NotJson_HasNoMessage(string body)
    {
        var error = Assert.Throws<AwsServiceException>(() =>
            RequestReader.Read(Encoding.UTF8.GetBytes(body), DynamoDbJsonContext.Default.QueryRequest));
        Assert.Equal("SerializationException", error.ErrorCode);
        Assert.Null(error.ErrorMessage);
    }
}
