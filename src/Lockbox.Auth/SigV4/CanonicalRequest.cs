namespace Lockbox.Auth.SigV4;

/// <summary>
/// Builds the SigV4 canonical request exactly as AWS clients do for non-S3 services:
/// <code>
/// METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexPayloadHash
/// </code>
/// Design:
/// - URI: the path as sent (still percent-encoded) with dot segments and empty segments removed,
///   then encoded again (so '%' becomes %25): the "double encoding" every SDK applies to services
///   other than S3. DynamoDB's path is always '/', which takes a fast path.
/// - Query: each name and value decoded and re-encoded canonically, sorted by name then value
///   (ordinal); <c>X-Amz-Signature</c> is left out for presigned requests.
/// - Headers: the signed header names in the order given (clients sort them), each value trimmed
///   with inner runs of spaces folded to one, repeated headers joined with ','.
/// </summary>
internal static class CanonicalRequest
{
    public static void Build<TRequest>(ref CharBuffer output, in TRequest request, QueryParameters? query, bool presigned,
        string signedHeaders, scoped ReadOnlySpan<char> payloadHashHex)
        where TRequest : ISigV4Request
    {
        output.Append(request.Method);
        output.Append('\n');
        AppendUri(ref output, request.RawPath);
        output.Append('\n');
        if (query is not null)
        {
            AppendQuery(ref output, query, presigned);
        }

        output.Append('\n');
        AppendHeaders(ref output, request, signedHeaders);
        output.Append('\n');
        output.Append(signedHeaders);
        output.Append('\n');
        output.Append(payloadHashHex);
    }

    private static void AppendUri(ref CharBuffer output, string rawPath)
    {
        if (rawPath.Length == 0 || rawPath == "/")
        {
            output.Append('/');
            return;
        }

        // Remove '.' and '..' segments and empty segments ('//'), as the SDKs normalize before signing.
        var segments = new List<string>();
        foreach (var range in rawPath.AsSpan().Split('/'))
        {
            var segment = rawPath.AsSpan(range);
            if (segment.Length == 0 || segment is ".")
            {
                continue;
            }

            if (segment is "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment.ToString());
        }

        output.Append('/');
        for (var i = 0; i < segments.Count; i++)
        {
            if (i > 0)
            {
                output.Append('/');
            }

            SigV4Encoding.Encode(ref output, segments[i], keepSlash: false);
        }

        if (segments.Count > 0 && rawPath[^1] == '/')
        {
            output.Append('/');
        }
    }

    private static void AppendQuery(ref CharBuffer output, QueryParameters query, bool presigned)
    {
        var pairs = new List<(string Name, string Value)>(query.Count);
        for (var i = 0; i < query.Count; i++)
        {
            var rawName = query.RawName(i);
            if (presigned && rawName is "X-Amz-Signature")
            {
                continue;
            }

            pairs.Add((Canonical(rawName), Canonical(query.RawValue(i))));
        }

        pairs.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });

        for (var i = 0; i < pairs.Count; i++)
        {
            if (i > 0)
            {
                output.Append('&');
            }

            output.Append(pairs[i].Name);
            output.Append('=');
            output.Append(pairs[i].Value);
        }
    }

    private static string Canonical(ReadOnlySpan<char> raw)
    {
        var buffer = new CharBuffer(raw.Length + 16);
        try
        {
            SigV4Encoding.ReencodeQueryComponent(ref buffer, raw);
            return buffer.ToString();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    private static void AppendHeaders<TRequest>(ref CharBuffer output, in TRequest request, string signedHeaders)
        where TRequest : ISigV4Request
    {
        foreach (var range in signedHeaders.AsSpan().Split(';'))
        {
            var name = signedHeaders.AsSpan(range);
            if (name.IsEmpty)
            {
                continue;
            }

            output.Append(name);
            output.Append(':');
            var values = request.GetHeader(signedHeaders[range]);
            for (var v = 0; v < values.Count; v++)
            {
                if (v > 0)
                {
                    output.Append(',');
                }

                AppendFolded(ref output, values[v]);
            }

            output.Append('\n');
        }
    }

    /// <summary>Trims the value and folds every run of whitespace inside it into one space.</summary>
    private static void AppendFolded(ref CharBuffer output, scoped ReadOnlySpan<char> value)
    {
        value = value.Trim();
        if (!value.Contains("  ", StringComparison.Ordinal) && value.IndexOfAny('\t', '\r', '\n') < 0)
        {
            output.Append(value);
            return;
        }

        var inSpace = false;
        foreach (var c in value)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (!inSpace)
                {
                    output.Append(' ');
                    inSpace = true;
                }

                continue;
            }

            inSpace = false;
            output.Append(c);
        }
    }
}
