using System.Buffers;
using System.Globalization;
using System.Text;
using Lockbox.Protocols.Query;

namespace Lockbox.Ec2;

/// <summary>
/// Writes an EC2 answer: <c>&lt;{Op}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"&gt;&lt;requestId&gt;…&lt;/requestId&gt;…&lt;/{Op}Response&gt;</c>,
/// members in lowerCamel case, list members as <c>&lt;item&gt;</c>, timestamps ISO 8601 with milliseconds.
/// </summary>
internal sealed class Ec2Xml
{
    private readonly StringBuilder _text = new(2048);
    private readonly Stack<string> _open = new();
    private readonly string _operation;

    public Ec2Xml(string operation, string requestId)
    {
        _operation = operation;
        _text.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<").Append(operation).Append("Response xmlns=\"")
            .Append(Ec2Service.Namespace).Append("\">\n<requestId>").Append(QueryXmlWriter.Escape(requestId)).Append("</requestId>\n");
    }

    public Ec2Xml Start(string name)
    {
        _text.Append('<').Append(name).Append('>');
        _open.Push(name);
        return this;
    }

    public Ec2Xml End()
    {
        _text.Append("</").Append(_open.Pop()).Append(">\n");
        return this;
    }

    public Ec2Xml Element(string name, string? value)
    {
        if (value is not null)
        {
            _text.Append('<').Append(name).Append('>').Append(QueryXmlWriter.Escape(value)).Append("</").Append(name).Append(">\n");
        }

        return this;
    }

    public Ec2Xml Element(string name, long value) => Element(name, value.ToString(CultureInfo.InvariantCulture));

    public Ec2Xml Element(string name, bool value) => Element(name, value ? "true" : "false");

    public Ec2Xml Element(string name, DateTimeOffset value) => Element(name, Timestamp(value));

    /// <summary>An empty list element (<c>&lt;name/&gt;</c>).</summary>
    public Ec2Xml Empty(string name)
    {
        _text.Append('<').Append(name).Append("/>\n");
        return this;
    }

    public void Finish(IBufferWriter<byte> output)
    {
        while (_open.Count > 0)
        {
            End();
        }

        _text.Append("</").Append(_operation).Append("Response>\n");
        WriteUtf8(_text, output);
    }

    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static void WriteUtf8(StringBuilder text, IBufferWriter<byte> output)
    {
        var value = text.ToString();
        var bytes = output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        output.Advance(Encoding.UTF8.GetBytes(value, bytes));
    }
}
