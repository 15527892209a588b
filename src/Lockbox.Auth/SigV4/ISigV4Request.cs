namespace Lockbox.Auth.SigV4;

/// <summary>
/// The parts of an HTTP request that SigV4 covers, without tying Auth to an HTTP stack. The host
/// implements it as a struct over its request, and the verifier is generic over it so the calls
/// are devirtualized.
/// </summary>
public interface ISigV4Request
{
    /// <summary>The HTTP method, upper case (e.g. <c>POST</c>).</summary>
    string Method { get; }

    /// <summary>The request path exactly as sent on the wire (still percent-encoded), e.g. <c>/</c>.</summary>
    string RawPath { get; }

    /// <summary>The query string as sent, without the leading '?'; empty when there is none.</summary>
    string RawQuery { get; }

    /// <summary>Every value of the header named <paramref name="name"/> (case-insensitive), in arrival order.</summary>
    HeaderValues GetHeader(string name);
}

/// <summary>The values of one request header: none, one (the common case, no array) or several.</summary>
public readonly struct HeaderValues
{
    private readonly string? _single;
    private readonly string[]? _many;

    /// <summary>One value.</summary>
    public HeaderValues(string value)
    {
        _single = value;
        _many = null;
    }

    /// <summary>Several values (a header repeated in the request).</summary>
    public HeaderValues(string[] values)
    {
        _single = null;
        _many = values;
    }

    /// <summary>How many values the header has; 0 when absent.</summary>
    public int Count => _many?.Length ?? (_single is null ? 0 : 1);

    /// <summary>The value at <paramref name="index"/>.</summary>
    public string this[int index] => _many is not null ? _many[index] : index == 0 && _single is not null ? _single : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The first value, or null when the header is absent.</summary>
    public string? First => _many is not null ? (_many.Length > 0 ? _many[0] : null) : _single;
}
