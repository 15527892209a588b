using System.Buffers;
using System.Text;
using Lockbox.Common;
using Lockbox.Protocols;

namespace Lockbox.DynamoDb.Tests;

/// <summary>Calls a service in process (as the account's root principal unless told otherwise) and returns the response body.</summary>
internal static class ServiceCalls
{
    /// <summary>An IAM user of the test account, for calls whose condition keys are only built for non-root callers.</summary>
    public static readonly Principal User = new("123456789012", "arn:aws:iam::123456789012:user/tester", "AIDATESTUSER0000000", "AKIATESTUSER", IsRoot: false);

    public static string Invoke(IJsonService service, string operation, string body, Principal? principal = null)
    {
        var caller = new CallerContext
        {
            RequestId = "test",
            Principal = principal ?? new Principal("123456789012", "arn:aws:iam::123456789012:root", "123456789012", "AKIATEST", IsRoot: true),
            Region = "us-east-1",
            RequestTime = DateTimeOffset.UtcNow,
        };
        var output = new ArrayBufferWriter<byte>();
        service.InvokeAsync(operation, Encoding.UTF8.GetBytes(body), caller, output, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
