using System.Text;
using Lockbox.Common;
using Lockbox.Protocols;
using Lockbox.Protocols.Query;

namespace Lockbox.Iam.Tests;

public sealed class QueryProtocolTests
{
    [Fact]
    public void Parses_form_encoding_lists_and_structures()
    {
        var request = QueryRequest.Parse(Encoding.UTF8.GetBytes(
            "Action=CreateUser&Version=2010-05-08&UserName=a%2Bb+c&Path=%2Fdev%2F&Tags.member.1.Key=team&Tags.member.1.Value=" +
            "&Tags.member.2.Key=k%C3%A9&Tags.member.2.Value=v&TagKeys.member.1=x&TagKeys.member.2=y&TagKeys.member.4=gap"));

        Assert.Equal("CreateUser", request.Action);
        Assert.Equal("2010-05-08", request.Version);
        Assert.Equal("a+b c", request.Get("UserName"));
        Assert.Equal("/dev/", request.Get("Path"));
        Assert.Equal(["x", "y"], request.GetList("TagKeys"));
        var tags = request.GetStructureList("Tags", ["Key", "Value"], p => (request.Get(p + "Key"), request.Get(p + "Value")));
        Assert.Equal([("team", ""), ("ké", "v")], tags);
        Assert.Empty(request.GetList("Missing"));
        Assert.Null(request.Get("Missing"));
    }

    [Fact]
    public void Keeps_malformed_escapes_literally_and_reads_typed_values()
    {
        var request = QueryRequest.Parse("A=%zz%4&MaxItems=12&Bad=1x&Flag=TRUE");
        Assert.Equal("%zz%4", request.Get("A"));
        Assert.True(request.TryGetInt("MaxItems", out var max));
        Assert.Equal(12, max);
        Assert.False(request.TryGetInt("Bad", out _));
        Assert.True(request.TryGetBool("Flag", out var flag));
        Assert.True(flag);
    }

    [Fact]
    public void Writes_the_response_envelope_with_escaped_text_and_iso_timestamps()
    {
        var writer = new QueryXmlWriter();
        writer.Begin("GetUser", "https://iam.amazonaws.com/doc/2010-05-08/");
        writer.Start("User").Element("UserName", "a<b>&\"c'").Element("CreateDate", new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2))).End();
        writer.StringList("Names", ["x"]);
        using var output = new PooledBufferWriter(64);
        writer.Finish("REQ1", output);
        var xml = Encoding.UTF8.GetString(output.WrittenSpan);

        Assert.StartsWith("<GetUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">", xml, StringComparison.Ordinal);
        Assert.Contains("<GetUserResult>", xml, StringComparison.Ordinal);
        Assert.Contains("<UserName>a&lt;b&gt;&amp;&quot;c&apos;</UserName>", xml, StringComparison.Ordinal);
        Assert.Contains("<CreateDate>2026-01-02T01:04:05Z</CreateDate>", xml, StringComparison.Ordinal);
        Assert.Contains("<Names><member>x</member>", xml, StringComparison.Ordinal);
        Assert.Contains("<ResponseMetadata>\n    <RequestId>REQ1</RequestId>", xml, StringComparison.Ordinal);
        Assert.EndsWith("</GetUserResponse>\n", xml, StringComparison.Ordinal);
        var parsed = System.Xml.Linq.XDocument.Parse(xml);
        Assert.Equal("GetUserResponse", parsed.Root!.Name.LocalName);
    }

    [Fact]
    public void Operations_without_output_have_no_result_element()
    {
        var writer = new QueryXmlWriter();
        writer.Begin("DeleteUser", "ns", hasResult: false);
        using var output = new PooledBufferWriter(64);
        writer.Finish("R", output);
        Assert.DoesNotContain("DeleteUserResult", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NoSuchEntity", 404, "NoSuchEntity", 404, "Sender")]
    [InlineData("UnrecognizedClientException", 400, "InvalidClientTokenId", 403, "Sender")]
    [InlineData("MissingAuthenticationTokenException", 400, "MissingAuthenticationToken", 403, "Sender")]
    [InlineData("InvalidSignatureException", 400, "SignatureDoesNotMatch", 403, "Sender")]
    [InlineData("AccessDeniedException", 400, "AccessDenied", 403, "Sender")]
    [InlineData("InternalFailure", 500, "InternalFailure", 500, "Receiver")]
    public void Writes_the_error_shape_with_query_codes(string code, int status, string wireCode, int wireStatus, string type)
    {
        using var output = new PooledBufferWriter(64);
        var answered = QueryErrorWriter.Write(new AwsServiceException("x", code, "m & n", status), "https://iam.amazonaws.com/doc/2010-05-08/", "RID", output);
        var xml = System.Xml.Linq.XDocument.Parse(Encoding.UTF8.GetString(output.WrittenSpan));
        System.Xml.Linq.XNamespace ns = "https://iam.amazonaws.com/doc/2010-05-08/";

        Assert.Equal(wireStatus, answered);
        Assert.Equal("ErrorResponse", xml.Root!.Name.LocalName);
        var error = xml.Root.Element(ns + "Error")!;
        Assert.Equal(type, error.Element(ns + "Type")!.Value);
        Assert.Equal(wireCode, error.Element(ns + "Code")!.Value);
        Assert.Equal("m & n", error.Element(ns + "Message")!.Value);
        Assert.Equal("RID", xml.Root.Element(ns + "RequestId")!.Value);
    }
}
