using System.Buffers;
using System.Text;
using Lockbox.Common;
using Lockbox.Protocols;

namespace Lockbox.Auth.Tests.Host;

/// <summary>A stand-in for DynamoDB: ListTables answers an empty list; the other operations exercise the pipeline.</summary>
internal sealed class StubDynamoDbService : IJsonService
{
    public string TargetPrefix => "DynamoDB_20120810";

    public string SigningName => "dynamodb";

    public CallerContext? LastCaller { get; private set; }

    public bool HasOperation(string operation) => operation is "ListTables" or "Echo" or "Fail" or "Crash";

    public ValueTask InvokeAsync(string operation, ReadOnlyMemory<byte> body, CallerContext caller, IBufferWriter<byte> response,
        CancellationToken cancellationToken)
    {
        LastCaller = caller;
        switch (operation)
        {
            case "ListTables":
                response.Write("{\"TableNames\":[]}"u8);
                break;
            case "Echo":
                response.Write(body.Span);
                break;
            case "Fail":
                throw new AwsServiceException("com.amazonaws.dynamodb.v20120810", "ResourceNotFoundException", "Requested resource not found");
            default:
                throw new InvalidOperationException("boom: " + Encoding.UTF8.GetString(body.Span));
        }

        return ValueTask.CompletedTask;
    }
}
