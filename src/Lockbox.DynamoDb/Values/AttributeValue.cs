namespace Lockbox.DynamoDb.Values;

/// <summary>
/// One DynamoDB attribute value. Scalars are immutable; M, L and the sets hold mutable
/// collections so an update expression can change a copy in place (see <see cref="DeepClone"/>).
/// An item is a <c>Dictionary&lt;string, AttributeValue&gt;</c> with ordinal keys.
/// </summary>
public sealed class AttributeValue
{
    private readonly object? _payload;   // string | byte[] | Dictionary | List<...>
    private readonly DynamoNumber _number;
    private readonly bool _bool;

    private AttributeValue(AttributeType type, object? payload, DynamoNumber number = default, bool boolean = false)
    {
        Type = type;
        _payload = payload;
        _number = number;
        _bool = boolean;
    }

    public AttributeType Type { get; }

    public static readonly AttributeValue Null = new(AttributeType.NULL, null, boolean: true);
    public static readonly AttributeValue True = new(AttributeType.BOOL, null, boolean: true);
    public static readonly AttributeValue False = new(AttributeType.BOOL, null, boolean: false);

    public static AttributeValue FromString(string value) => new(AttributeType.S, value);
    public static AttributeValue FromNumber(DynamoNumber value) => new(AttributeType.N, null, value);
    public static AttributeValue FromBinary(byte[] value) => new(AttributeType.B, value);
    public static AttributeValue FromBool(bool value) => value ? True : False;
    public static AttributeValue FromMap(Dictionary<string, AttributeValue> value) => new(AttributeType.M, value);
    public static AttributeValue FromList(List<AttributeValue> value) => new(AttributeType.L, value);
    public static AttributeValue FromStringSet(List<string> value) => new(AttributeType.SS, value);
    public static AttributeValue FromNumberSet(List<DynamoNumber> value) => new(AttributeType.NS, value);
    public static AttributeValue FromBinarySet(List<byte[]> value) => new(AttributeType.BS, value);

    public string AsString() => Type == AttributeType.S ? (string)_payload! : throw WrongType(AttributeType.S);
    public DynamoNumber AsNumber() => Type == AttributeType.N ? _number : throw WrongType(AttributeType.N);
    public byte[] AsBinary() => Type == AttributeType.B ? (byte[])_payload! : throw WrongType(AttributeType.B);
    public bool AsBool() => Type == AttributeType.BOOL ? _bool : throw WrongType(AttributeType.BOOL);
    public Dictionary<string, AttributeValue> AsMap() =>
        Type == AttributeType.M ? (Dictionary<string, AttributeValue>)_payload! : throw WrongType(AttributeType.M);
    public List<AttributeValue> AsList() =>
        Type == AttributeType.L ? (List<AttributeValue>)_payload! : throw WrongType(AttributeType.L);
    public List<string> AsStringSet() =>
        Type == AttributeType.SS ? (List<string>)_payload! : throw WrongType(AttributeType.SS);
    public List<DynamoNumber> AsNumberSet() =>
        Type == AttributeType.NS ? (List<DynamoNumber>)_payload! : throw WrongType(AttributeType.NS);
    public List<byte[]> AsBinarySet() =>
        Type == AttributeType.BS ? (List<byte[]>)_payload! : throw WrongType(AttributeType.BS);

    /// <summary>A copy that shares nothing mutable with this value.</summary>
    public AttributeValue DeepClone() => Type switch
    {
        AttributeType.M => FromMap(CloneItem(AsMap())),
        AttributeType.L => FromList(AsList().Select(v => v.DeepClone()).ToList()),
        AttributeType.SS => FromStringSet([.. AsStringSet()]),
        AttributeType.NS => FromNumberSet([.. AsNumberSet()]),
        AttributeType.BS => FromBinarySet([.. AsBinarySet()]),
        _ => this,
    };

    /// <summary>Deep copy of an item or map.</summary>
    public static Dictionary<string, AttributeValue> CloneItem(Dictionary<string, AttributeValue> item)
    {
        var copy = new Dictionary<string, AttributeValue>(item.Count, StringComparer.Ordinal);
        foreach (var (name, value) in item)
        {
            copy[name] = value.DeepClone();
        }

        return copy;
    }

    private InvalidOperationException WrongType(AttributeType wanted) =>
        new($"Attribute value is {Type}, not {wanted}");

    public override string ToString() => Type switch
    {
        AttributeType.S => $"{{S: {AsString()}}}",
        AttributeType.N => $"{{N: {AsNumber()}}}",
        AttributeType.BOOL => $"{{BOOL: {(_bool ? "true" : "false")}}}",
        AttributeType.NULL => "{NULL: true}",
        _ => $"{{{Type}}}",
    };
}
