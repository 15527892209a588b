using Lockbox.Common;
using Lockbox.DynamoDb.Expressions;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Tests.Expressions;

/// <summary>Short builders for attribute values, items and expression contexts used by the expression tests.</summary>
internal static class Fixtures
{
    public static AttributeValue S(string s) => AttributeValue.FromString(s);

    public static AttributeValue N(string n) => AttributeValue.FromNumber(DynamoNumber.Parse(n));

    public static AttributeValue B(params byte[] b) => AttributeValue.FromBinary(b);

    public static AttributeValue Bool(bool b) => AttributeValue.FromBool(b);

    public static AttributeValue Null => AttributeValue.Null;

    public static AttributeValue SS(params string[] s) => AttributeValue.FromStringSet([.. s]);

    public static AttributeValue NS(params string[] n) => AttributeValue.FromNumberSet(n.Select(DynamoNumber.Parse).ToList());

    public static AttributeValue BS(params byte[][] b) => AttributeValue.FromBinarySet([.. b]);

    public static AttributeValue L(params AttributeValue[] items) => AttributeValue.FromList([.. items]);

    public static AttributeValue M(params (string Key, AttributeValue Value)[] entries) => AttributeValue.FromMap(Item(entries));

    public static Dictionary<string, AttributeValue> Item(params (string Key, AttributeValue Value)[] entries)
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            item[key] = value;
        }

        return item;
    }

    public static ExpressionContext Ctx(Dictionary<string, string>? names = null, Dictionary<string, AttributeValue>? values = null) =>
        new(names, values);

    public static Dictionary<string, AttributeValue> Vals(params (string Key, AttributeValue Value)[] entries) => Item(entries);

    public static Dictionary<string, string> Names(params (string Key, string Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    /// <summary>The message of the ValidationException <paramref name="action"/> throws.</summary>
    public static string ErrorOf(Action action)
    {
        var error = Assert.Throws<AwsServiceException>(action);
        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Equal("com.amazon.coral.validate", error.TypeNamespace);
        return error.ErrorMessage!;
    }

    /// <summary>Deep equality of attribute values through their canonical JSON-like rendering.</summary>
    public static string Render(AttributeValue value) => value.Type switch
    {
        AttributeType.S => "S:" + value.AsString(),
        AttributeType.N => "N:" + value.AsNumber(),
        AttributeType.B => "B:" + Convert.ToHexString(value.AsBinary()),
        AttributeType.BOOL => "BOOL:" + value.AsBool(),
        AttributeType.NULL => "NULL",
        AttributeType.SS => "SS:[" + string.Join(",", value.AsStringSet()) + "]",
        AttributeType.NS => "NS:[" + string.Join(",", value.AsNumberSet()) + "]",
        AttributeType.BS => "BS:[" + string.Join(",", value.AsBinarySet().Select(Convert.ToHexString)) + "]",
        AttributeType.L => "L:[" + string.Join(",", value.AsList().Select(Render)) + "]",
        _ => "M:{" + Render(value.AsMap()) + "}",
    };

    public static string Render(IReadOnlyDictionary<string, AttributeValue> item) =>
        string.Join(",", item.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + Render(p.Value)));
}
