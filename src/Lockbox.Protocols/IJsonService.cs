using System.Buffers;
using Lockbox.Common;

namespace Lockbox.Protocols;

/// <summary>
/// A service spoken over AWS JSON 1.0/1.1 (X-Amz-Target: <c>Prefix.Operation</c>).
/// The host authenticates the request, then hands the (decompressed) body here; the service
/// parses, validates, authorizes through its <c>IRequestAuthorizer</c> and executes.
/// Errors are thrown as <see cref="AwsServiceException"/>; the host writes them.
/// </summary>
public interface IJsonService
{
    /// <summary>The X-Amz-Target prefix, e.g. <c>DynamoDB_20120810</c>.</summary>
    string TargetPrefix { get; }

    /// <summary>The SigV4 signing name in the credential scope, e.g. <c>dynamodb</c>.</summary>
    string SigningName { get; }

    /// <summary>True when the operation name is one this service offers.</summary>
    bool HasOperation(string operation);

    /// <summary>Runs one operation and writes the JSON response body to <paramref name="response"/>.</summary>
    ValueTask InvokeAsync(string operation, ReadOnlyMemory<byte> body, CallerContext caller,
        IBufferWriter<byte> response, CancellationToken cancellationToken);
}
