using System.Text;
using System.Text.Json;
using Lockbox.Common;
using Lockbox.Protocols;
using Lockbox.Protocols.Json;

namespace Lockbox.Auth.Tests.Protocols;

public sealed class AwsJsonProtocolTests
{
    [Fact]
    public void Error_body_uses_lower_case_message_by_default()
    {
        Assert.Equal("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found\"}",
            Write(new AwsServiceException("com.amazonaws.dynamodb.v20120810", "ResourceNotFoundException", "Requested resource not found")));
    }

    [Fact]
    public void Error_body_can_use_capital_message_and_extra_members()
    {
        var error = new CancelledError();

        Assert.Equal("{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\",\"Message\":\"Transaction cancelled <&> 'é'\",\"CancellationReasons\":[]}",
            Write(error));
    }

    [Fact]
    public void Error_without_message_has_only_the_type()
    {
        Assert.Equal("{\"__type\":\"com.amazon.coral.service#UnknownOperationException\"}", Write(CoralErrors.UnknownOperation()));
        Assert.Equal("{\"__type\":\"com.amazon.coral.service#SerializationException\"}", Write(CoralErrors.Serialization()));
    }

    [Theory]
    [InlineData("healthy: dynamodb.us-east-1.amazonaws.com ", 3128867991u)]
    [InlineData("<UnknownOperationException/>\n", 3552371480u)]
    [InlineData("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found\"}", 3737639027u)]
    public void Crc32_matches_dynamodb(string body, uint expected)
    {
        Assert.Equal(expected, Crc32Checksum.Compute(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void Request_ids_are_52_upper_case_alphanumerics_and_unique()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => RequestIdGenerator.Next()).ToHashSet();

        Assert.Equal(1000, ids.Count);
        Assert.All(ids, id => Assert.Matches("^[0-9A-Z]{52}$", id));
    }

    [Theory]
    [InlineData("DynamoDB_20120810.ListTables", true, "DynamoDB_20120810", "ListTables")]
    [InlineData("DynamoDB_20120810.", false, null, null)]
    [InlineData(".ListTables", false, null, null)]
    [InlineData("whatever", false, null, null)]
    [InlineData("a.b.c", false, null, null)]
    public void Target_splits_at_its_only_dot(string target, bool ok, string? prefix, string? operation)
    {
        Assert.Equal(ok, AmzTarget.TrySplit(target, out var p, out var o));
        if (ok)
        {
            Assert.Equal(prefix, p.ToString());
            Assert.Equal(operation, o.ToString());
        }
    }

    [Theory]
    [InlineData("application/x-amz-json-1.0", JsonMediaType.AmzJson10)]
    [InlineData("application/json", JsonMediaType.Json)]
    [InlineData("application/json;", JsonMediaType.Json)]
    [InlineData("  application/json  ;   asfd", JsonMediaType.Json)]
    [InlineData("application/json;charset=asfdsaf", JsonMediaType.Json)]
    [InlineData("application/x-amz-json-1.1", JsonMediaType.AmzJson11)]
    [InlineData("text/plain", JsonMediaType.None)]
    [InlineData("", JsonMediaType.None)]
    public void Content_types_are_recognised_like_dynamodb(string contentType, JsonMediaType expected)
    {
        Assert.Equal(expected, JsonMediaTypes.Parse(contentType));
    }

    [Theory]
    [InlineData("{}", true)]
    [InlineData(" {\"a\":[1,2,{\"b\":null}]} ", true)]
    [InlineData("\"text\"", true)]
    [InlineData("", false)]
    [InlineData("hi", false)]
    [InlineData("{", false)]
    [InlineData("{} {}", false)]
    public void Json_syntax_check(string body, bool valid)
    {
        Assert.Equal(valid, JsonSyntax.IsValid(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void Pooled_writer_grows_and_keeps_what_was_written()
    {
        using var writer = new PooledBufferWriter(16);
        for (var i = 0; i < 10_000; i++)
        {
            writer.GetSpan(1)[0] = (byte)i;
            writer.Advance(1);
        }

        Assert.Equal(10_000, writer.WrittenCount);
        Assert.Equal(unchecked((byte)9_999), writer.WrittenSpan[^1]);
    }

    private static string Write(AwsServiceException error)
    {
        using var output = new PooledBufferWriter();
        AwsJsonErrorWriter.Write(error, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private sealed class CancelledError() : AwsServiceException("com.amazonaws.dynamodb.v20120810", "TransactionCanceledException",
        "Transaction cancelled <&> 'é'", capitalizedMessageMember: true)
    {
        public override void WriteExtraJsonMembers(Utf8JsonWriter writer)
        {
            writer.WriteStartArray("CancellationReasons");
            writer.WriteEndArray();
        }
    }
}
