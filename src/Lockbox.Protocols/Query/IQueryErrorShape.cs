using System.Buffers;
using Lockbox.Common;

namespace Lockbox.Protocols.Query;

/// <summary>
/// Implemented by a form-encoded service whose errors do not use awsQuery's
/// <c>&lt;ErrorResponse&gt;</c> shape (EC2 answers <c>&lt;Response&gt;&lt;Errors&gt;…</c>). The host
/// hands every error of a request routed to the service (authentication and unknown actions
/// included) to <see cref="WriteError"/> instead of <see cref="QueryErrorWriter"/>.
/// </summary>
public interface IQueryErrorShape
{
    /// <summary>Writes <paramref name="error"/> in the service's own shape and returns the HTTP status to answer with.</summary>
    int WriteError(AwsServiceException error, string requestId, IBufferWriter<byte> output);
}
