namespace Lockbox.Protocols;

/// <summary>
/// The request content types an awsJson endpoint accepts, recognised the way DynamoDB does: the
/// media type before any ';' with surrounding spaces ignored, compared exactly (lower case);
/// parameters such as <c>charset</c> are ignored. The response echoes the request's media type.
/// </summary>
public enum JsonMediaType
{
    /// <summary>Not a JSON media type (or no Content-Type at all).</summary>
    None,

    /// <summary><c>application/x-amz-json-1.0</c> (DynamoDB, DynamoDB Streams).</summary>
    AmzJson10,

    /// <summary><c>application/x-amz-json-1.1</c> (KMS, CloudTrail, EventBridge).</summary>
    AmzJson11,

    /// <summary><c>application/json</c>, which DynamoDB also accepts.</summary>
    Json,
}

/// <summary>Parsing and printing of <see cref="JsonMediaType"/>.</summary>
public static class JsonMediaTypes
{
    /// <summary>Wire text of <see cref="JsonMediaType.AmzJson10"/>.</summary>
    public const string AmzJson10 = "application/x-amz-json-1.0";

    /// <summary>Wire text of <see cref="JsonMediaType.AmzJson11"/>.</summary>
    public const string AmzJson11 = "application/x-amz-json-1.1";

    /// <summary>Wire text of <see cref="JsonMediaType.Json"/>.</summary>
    public const string Json = "application/json";

    /// <summary>Recognises a Content-Type header value.</summary>
    public static JsonMediaType Parse(ReadOnlySpan<char> contentType)
    {
        var semicolon = contentType.IndexOf(';');
        var media = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim(' ');
        if (media.SequenceEqual(AmzJson10))
        {
            return JsonMediaType.AmzJson10;
        }

        if (media.SequenceEqual(Json))
        {
            return JsonMediaType.Json;
        }

        return media.SequenceEqual(AmzJson11) ? JsonMediaType.AmzJson11 : JsonMediaType.None;
    }

    /// <summary>The Content-Type to answer with; a request without a JSON type gets JSON 1.0.</summary>
    public static string ToContentType(JsonMediaType type) => type switch
    {
        JsonMediaType.Json => Json,
        JsonMediaType.AmzJson11 => AmzJson11,
        _ => AmzJson10,
    };
}
