using System.Buffers;
using Lockbox.Common;

namespace Lockbox.Protocols.Query;

/// <summary>
/// A service spoken over awsQuery (form-encoded <c>Action=…&amp;Version=…</c>, XML answers): IAM,
/// later STS and SNS. The host routes a form-encoded request here when its SigV4 credential
/// scope names <see cref="SigningName"/>, authenticates it, then hands over the decoded
/// parameters. Errors are thrown as <see cref="AwsServiceException"/>; the host writes them in
/// the awsQuery error shape (<see cref="QueryErrorWriter"/>).
/// </summary>
public interface IQueryService
{
    /// <summary>The SigV4 signing name in the credential scope, e.g. <c>iam</c>.</summary>
    string SigningName { get; }

    /// <summary>The API version the service answers, e.g. <c>2010-05-08</c>.</summary>
    string Version { get; }

    /// <summary>The XML namespace of answers and errors, e.g. <c>https://iam.amazonaws.com/doc/2010-05-08/</c>.</summary>
    string XmlNamespace { get; }

    /// <summary>True when <paramref name="action"/> is an operation this service offers.</summary>
    bool HasOperation(string action);

    /// <summary>Runs one operation and writes the whole XML answer (envelope included) to <paramref name="response"/>.</summary>
    ValueTask InvokeAsync(string action, QueryRequest request, CallerContext caller, IBufferWriter<byte> response,
        CancellationToken cancellationToken);
}
