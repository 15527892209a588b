using System.Buffers;
using System.Globalization;
using System.Text;

namespace Lockbox.Protocols.Query;

/// <summary>
/// Writes an awsQuery XML answer:
/// <c>&lt;{Op}Response xmlns="…"&gt;&lt;{Op}Result&gt;…&lt;/{Op}Result&gt;&lt;ResponseMetadata&gt;&lt;RequestId&gt;…&lt;/RequestId&gt;&lt;/ResponseMetadata&gt;&lt;/{Op}Response&gt;</c>.
/// A service writes only the members inside the result; <see cref="Begin"/> and <see cref="Finish"/>
/// write the envelope. Lists are written as <c>&lt;Name&gt;&lt;member&gt;…&lt;/member&gt;&lt;/Name&gt;</c>.
/// Timestamps are ISO 8601 UTC with a trailing <c>Z</c> and whole seconds, as IAM sends them.
/// </summary>
public sealed class QueryXmlWriter
{
    private readonly StringBuilder _text = new(1024);
    private readonly Stack<string> _open = new();
    private string _operation = "";
    private bool _hasResult;

    /// <summary>Starts the envelope for <paramref name="operation"/>; with a result element unless the operation has no output.</summary>
    public void Begin(string operation, string xmlNamespace, bool hasResult = true)
    {
        _text.Clear();
        _open.Clear();
        _operation = operation;
        _hasResult = hasResult;
        _text.Append('<').Append(operation).Append("Response xmlns=\"").Append(Escape(xmlNamespace)).Append("\">\n");
        if (hasResult)
        {
            _text.Append("  <").Append(operation).Append("Result>\n");
        }
    }

    /// <summary>Opens an element (a structure, a list or a list member).</summary>
    public QueryXmlWriter Start(string name)
    {
        _text.Append('<').Append(name).Append('>');
        _open.Push(name);
        return this;
    }

    /// <summary>Closes the element opened last.</summary>
    public QueryXmlWriter End()
    {
        _text.Append("</").Append(_open.Pop()).Append(">\n");
        return this;
    }

    /// <summary>A text element; nothing when <paramref name="value"/> is null.</summary>
    public QueryXmlWriter Element(string name, string? value)
    {
        if (value is not null)
        {
            _text.Append('<').Append(name).Append('>').Append(Escape(value)).Append("</").Append(name).Append(">\n");
        }

        return this;
    }

    /// <summary>A boolean element (<c>true</c>/<c>false</c>).</summary>
    public QueryXmlWriter Element(string name, bool value) => Element(name, value ? "true" : "false");

    /// <summary>An integer element.</summary>
    public QueryXmlWriter Element(string name, long value) => Element(name, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A timestamp element; nothing when null.</summary>
    public QueryXmlWriter Element(string name, DateTimeOffset? value) =>
        value is null ? this : Element(name, FormatTimestamp(value.Value));

    /// <summary>A list of strings: <c>&lt;name&gt;&lt;member&gt;v&lt;/member&gt;…&lt;/name&gt;</c>.</summary>
    public QueryXmlWriter StringList(string name, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Start(name);
        foreach (var value in values)
        {
            Element("member", value);
        }

        return End();
    }

    /// <summary>Ends the envelope and writes the UTF-8 document to <paramref name="output"/>.</summary>
    public void Finish(string requestId, IBufferWriter<byte> output)
    {
        while (_open.Count > 0)
        {
            End();
        }

        if (_hasResult)
        {
            _text.Append("  </").Append(_operation).Append("Result>\n");
        }

        _text.Append("  <ResponseMetadata>\n    <RequestId>").Append(Escape(requestId)).Append("</RequestId>\n  </ResponseMetadata>\n");
        _text.Append("</").Append(_operation).Append("Response>\n");
        WriteUtf8(_text, output);
    }

    /// <summary>ISO 8601 UTC with whole seconds and <c>Z</c>, e.g. <c>2026-01-02T03:04:05Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Escapes text for XML content and attribute values.</summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny("<>&\"'\r") < 0)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                '"' => "&quot;",
                '\'' => "&apos;",
                '\r' => "&#xD;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    internal static void WriteUtf8(StringBuilder text, IBufferWriter<byte> output)
    {
        foreach (var chunk in text.GetChunks())
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
            var written = Encoding.UTF8.GetBytes(chunk.Span, span);
            output.Advance(written);
        }
    }
}
