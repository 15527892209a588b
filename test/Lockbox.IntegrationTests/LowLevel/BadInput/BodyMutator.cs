using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lockbox.IntegrationTests.LowLevel.BadInput;

/// <summary>One mutated request body and a short account of how it was made.</summary>
internal sealed record MutatedBody(byte[] Body, string Description);

/// <summary>
/// Deterministic mutations of a valid DynamoDB request body (same seed, same bodies): dropped
/// members, wrong JSON types, deep nesting, huge strings, invalid numbers, empty and duplicate
/// sets, invalid base64, unknown and duplicate members, broken attribute values, garbage, unbalanced
/// and oversized expressions, thousands of expression attribute values, unicode edge cases (lone
/// surrogates escaped as \ud800), then sometimes byte-level damage (truncation, invalid UTF-8,
/// byte flips, trailing garbage) or a whole replacement body.
/// </summary>
/// <remarks>
/// Values a <see cref="JsonNode"/> cannot hold (lone surrogates, 1e999, duplicate members, deep
/// nesting) are placed as placeholder strings and spliced in as raw JSON text after serialization.
/// </remarks>
internal sealed class BodyMutator(int seed)
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
        MaxDepth = 512,
    };

    private static readonly HashSet<string> AttributeTypes = ["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"];

    private static readonly HashSet<string> EnumMembers =
    [
        "ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "ReturnValuesOnConditionCheckFailure",
        "Select", "BillingMode", "TableClass", "KeyType", "AttributeType", "ComparisonOperator", "Action", "ConditionalOperator",
        "ProjectionType", "StreamViewType", "SSEType",
    ];

    private static readonly string[] EnumValues =
    [
        "", " ", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW", "NONE", "TOTAL", "INDEXES", "SIZE", "ALL_ATTRIBUTES",
        "ALL_PROJECTED_ATTRIBUTES", "COUNT", "SPECIFIC_ATTRIBUTES", "PROVISIONED", "PAY_PER_REQUEST", "HASH", "RANGE", "S", "N", "B",
        "BOOL", "EQ", "NE", "LE", "LT", "GE", "GT", "BETWEEN", "IN", "NULL", "NOT_NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH",
        "PUT", "DELETE", "ADD", "AND", "OR", "STANDARD", "STANDARD_INFREQUENT_ACCESS", "KEYS_ONLY", "all_old", "Hash", "garbage",
        "ALL_OLD ", "\tTOTAL", "ALL_OLD\u0000",
    ];

    private static readonly string[] NumericMembers = ["Limit", "Segment", "TotalSegments", "ReadCapacityUnits", "WriteCapacityUnits"];

    private static readonly string[] RawNumbers =
    [
        "0", "-1", "1.5", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "1e999", "-1e999", "1e2", "1E+400", "-0", "0.0", "123456789012345678901234567890123456789", "\"5\"", "\"\"", "1e-999",
        "10000000000000000000000000000000000000000000000000000000000000000000000000000000",
    ];

    private static readonly string[] BadNumbers =
    [
        "1e999", "-1e999", "abc", "", " ", "1 ", " 1", "+1", "--1", "0x10", "1.", ".", ".5", "1e", "e5", "NaN", "Infinity", "-Infinity",
        "1e-131", "1e126", "1E+126", "-1E+126", "9.99999999999999999999999999999999999999E+125", "123456789012345678901234567890123456789",
        "1234567890123456789012345678901234567890123", "-0.000000000000000000000000000000000000000000000000000000000000000000000001e-70",
        "-0", "1,000", "1_000", "\u0661\u0662\u0663", "\uff11", "1e2147483648", "1e-2147483649", "1e9223372036854775808", "1e+", "0e999999",
        "1" + new string('0', 1000), "0." + new string('0', 10_000) + "1", new string('9', 5000), "1.0e1.0", "true", "null",
    ];

    /// <summary>Valid numbers at the edges of DynamoDB's range (arithmetic on them may overflow).</summary>
    private static readonly string[] EdgeNumbers =
    [
        "9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125", "1E-130", "-1E-130",
        "12345678901234567890123456789012345678", "0.00000000000000000000000000000000000001", "0",
    ];

    private static readonly string[] BadBase64 =
    [
        "!!!!", "A", "AA", "AAA", "A===", "AQ=", "====", "AQ==AQ==", "a b", "AQ\nID", "-_-_", "AQID\u0000", "\u00e9\u00e9\u00e9\u00e9", "AQ==\n",
        "*", "AQI", "AQIDBA",
    ];

    /// <summary>Broken attribute values, as raw JSON text.</summary>
    private static readonly string[] BrokenAttributeValues =
    [
        "{}", """{"S":"a","N":"1"}""", """{"X":"1"}""", """{"NULL":false}""", """{"NULL":"true"}""", """{"NULL":1}""", """{"BOOL":"true"}""",
        """{"BOOL":1}""", """{"BOOL":null}""", """{"S":null}""", """{"S":1}""", """{"S":true}""", """{"N":1}""", """{"N":1e999}""", """{"N":""}""",
        """{"L":null}""", """{"L":{}}""", """{"L":"x"}""", """{"M":[]}""", """{"M":null}""", """{"M":"x"}""", """{"M":{"":{"S":"a"}}}""",
        """{"S":{"S":"a"}}""", """{"S":"a","S":"b"}""", """{"S":"a","S":1}""", """{"SS":"a"}""", """{"SS":[1]}""", """{"SS":null}""",
        """{"NS":["1",null]}""", """{"NS":[1]}""", """{"BS":[""]}""", """{"BS":[1]}""", """{"B":""}""", """{"B":1}""", """{"B":null}""",
        """{"S":""}""", """{"L":[{}]}""", """{"L":[null]}""", """{"L":[1]}""", """{"M":{"a":null}}""", """{"M":{"a":1}}""", """{"s":"lower"}""",
        """[]""", "\"S\"", "null", "1", """{"S":"a","x":1}""", """{"S":"a","M":{}}""", """{"SS":[],"S":"a"}""",
        """{"M":{"a":{"M":{"b":{}}}}}""", """{"L":[{"S":"a","N":"1"}]}""", """{"N":"1","N":"2"}""", """{"__type":"S"}""",
    ];

    private static readonly string[] SetEdges =
    [
        """{"SS":[]}""", """{"NS":[]}""", """{"BS":[]}""", """{"SS":["a","a"]}""", """{"NS":["1","1.0"]}""", """{"NS":["1","1E0","01"]}""",
        """{"NS":["-0","0"]}""", """{"BS":["AQ==","AQ=="]}""", """{"SS":[""]}""", """{"NS":["abc"]}""", """{"NS":["1e999"]}""",
        """{"BS":["!!"]}""", """{"SS":["a",null]}""", """{"SS":["\ud800"]}""", """{"SS":["\ud800","\ud800"]}""",
        """{"SS":["\u00e9","e\u0301"]}""", """{"NS":["1","2"],"SS":["a"]}""",
    ];

    /// <summary>Strings that probe unicode handling, as raw JSON string literals.</summary>
    private static readonly string[] UnicodeStrings =
    [
        "\"\\ud800\"", "\"\\udfff\"", "\"a\\ud800b\"", "\"\\udc00\\ud800\"", "\"\\ud800\\ud800\"", "\"x\\udbff\"", "\"\\u0000\"",
        "\"a\\u0000b\"", "\"\\uffff\"", "\"\\ufffe\"", "\"\\ufeff\"", "\"\\ud83d\\ude00\"", "\"\\u202e\"", "\"e\\u0301\"", "\"\\u0085\"",
        "\"\\u2028\\u2029\"", "\"\\x41\"", "\"\\u12\"", "\"\\uZZZZ\"", "\"\\\"", "\"a\u0001b\"", "\"tab\there\"", "\"new\nline\"",
        "\"\\/\\b\\f\\n\\r\\t\"", "\"\u00e9\u4e2d\ud83d\ude00\"", "\"\\\\ud800\"", "\"\\u00\"", "\"\\\"",
    ];

    private static readonly string[] TableNames =
    [
        "", "a", "ab", "___", new string('t', 255), new string('t', 256), new string('t', 1025), "bad name!", "table/with/slash",
        "arn:aws:dynamodb:us-east-1:123456789012:table/missing", "\u00fcn\u00ef", "..", "-", "a.b-c_d", " padded ", "NUL\u0000",
    ];

    private static readonly string[] ExpressionTokens =
    [
        "pk", "sk", "num", "lst", "m", "ss", "str", "#n", "#nope", "#", ":v", ":nope", ":p", ":", "m.a", "m.a.b", "lst[0]", "lst[1][2]",
        "lst[-1]", "lst[99999999999999999999]", "#n.#n", "a.", ".a", "a..b", "lst[]", "lst[x]", "`", "\"", "'", "\\", "=", "<>", "<",
        "<=", ">", ">=", "AND", "OR", "NOT", "BETWEEN", "IN", "(", ")", ",", "+", "-", "SET", "REMOVE", "ADD", "DELETE",
        "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size", "list_append", "if_not_exists",
        "==", "!=", "&&", "||", "*", "/", ";", "{", "}", "[", "]", "$", "@", "123", "1.5", "\"str\"", "'s'", "null", "true", "\t", "\n",
        "\u00e9", "\u4e2d", "\ud83d\ude00", "\u0000", "SELECT", "WHERE", "ALL", "Size", "SIZE", "set", "Set",
    ];

    private static readonly string[] SemanticExpressions =
    [
        "SET pk = :v", "SET sk = :v", "SET m.a = :v, m = :v", "REMOVE lst[0] SET lst[0] = :v", "ADD m :v", "SET num = num + :s",
        "SET num = :v REMOVE num", "DELETE ss :v", "ADD ss :v", "SET lst[5000] = :v", "SET m.nope.deeper = :v", "REMOVE pk",
        "SET #nope = :v", "SET a = :nope", "num BETWEEN :hi AND :lo", "num IN ()", "size(num) = :v", "attribute_type(num, :bad)",
        "begins_with(num, :v)", "contains(:v, :v)", "attribute_exists(:v)", "list_append(lst, :v) = :v", "size(:v) > :v",
        "pk = :p AND pk = :p", "pk = :p OR sk = :v", "sk = :v", "pk > :p", "pk = :p AND begins_with(sk, :v)", "pk = :p AND sk IN (:v)",
        "pk = :p AND size(sk) = :v", "pk, pk", "m.a, m", "lst[0], lst", "", "   ", "SET a = :v, a = :v", "SET a = if_not_exists(a)",
        "SET a = list_append(:v)", "SET a = :v + :v + :v", "SET a = (:v)", "ADD a :v, b :v, a :v", "SET a=:v REMOVE b ADD c :v DELETE d :v SET e=:v",
    ];

    private static readonly (string Name, string Json)[] KnownMembers =
    [
        ("Expected", """{"num":{"Exists":false}}"""),
        ("AttributeUpdates", """{"num":{"Action":"PUT","Value":{"N":"1"}}}"""),
        ("AttributesToGet", """["num","num"]"""),
        ("KeyConditions", """{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"p1"}]}}"""),
        ("QueryFilter", """{"num":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"}]}}"""),
        ("ScanFilter", """{"num":{"ComparisonOperator":"IN","AttributeValueList":[]}}"""),
        ("ConditionalOperator", "\"OR\""),
        ("ExclusiveStartKey", """{"pk":{"S":"p1"},"sk":{"N":"1"}}"""),
        ("Select", "\"ALL_PROJECTED_ATTRIBUTES\""),
        ("IndexName", "\"no-such-index\""),
        ("LocalSecondaryIndexes", """[{"IndexName":"i","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]"""),
        ("GlobalSecondaryIndexes", """[{"IndexName":"g","KeySchema":[{"AttributeName":"x","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]"""),
        ("GlobalSecondaryIndexUpdates", """[{"Delete":{"IndexName":"g"}}]"""),
        ("StreamSpecification", """{"StreamEnabled":true,"StreamViewType":"NEW_IMAGE"}"""),
        ("SSESpecification", """{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"alias/nope"}"""),
        ("ReturnValues", "\"ALL_NEW\""),
        ("ProjectionExpression", "\"pk, #nope\""),
        ("FilterExpression", "\"num > :v\""),
        ("ConditionExpression", "\"attribute_not_exists(pk)\""),
        ("UpdateExpression", "\"SET num = :v\""),
        ("KeyConditionExpression", "\"pk = :p\""),
        ("ExpressionAttributeNames", """{"#unused":"x"}"""),
        ("ExpressionAttributeValues", """{":unused":{"S":"x"}}"""),
        ("Segment", "0"),
        ("TotalSegments", "1000001"),
        ("Limit", "0"),
        ("ConsistentRead", "\"yes\""),
        ("ScanIndexForward", "null"),
        ("Key", """{"pk":{"S":"p1"}}"""),
        ("Item", """{"pk":{"S":"p1"},"sk":{"N":"1"}}"""),
        ("RequestItems", "{}"),
        ("TableName", "\"x\""),
        ("Tags", """[{"Key":"","Value":"v"}]"""),
        ("BillingMode", "\"PROVISIONED\""),
        ("ProvisionedThroughput", """{"ReadCapacityUnits":0,"WriteCapacityUnits":0}"""),
        ("OnDemandThroughput", """{"MaxReadRequestUnits":-1}"""),
        ("ReturnValuesOnConditionCheckFailure", "\"ALL_NEW\""),
        ("tableName", "\"lower-case-name\""),
        ("__type", "\"com.amazon.coral.validate#ValidationException\""),
        ("", "1"),
    ];

    /// <summary>Whole replacement bodies.</summary>
    private static readonly string[] SpecialBodies =
    [
        "", " ", "null", "[]", "1", "\"s\"", "{", "}", "{}", "{\"a\":}", "{'TableName':'x'}", "{\"TableName\":\"x\",}", "/*c*/{}", "NaN",
        "\u0000", "true", "{\"TableName\":\"x\"}{\"TableName\":\"y\"}", "{\"TableName\"}", "{\"TableName\":\"x\" \"Limit\":1}", "\n\n\n",
        "[{\"TableName\":\"x\"}]", "{\"\":\"\"}", "{\"TableName\":\"x\"", "{\"TableName\":\"x\",\"TableName\":null}",
    ];

    /// <summary>Mutated bodies stay below this size (DynamoDB answers 413 from 16 MiB on; that is not what is tested here).</summary>
    private const int MaxBodyBytes = 8 * 1024 * 1024;

    private const int MaxBlowupBytes = 2 * 1024 * 1024;

    private readonly Random _rng = new(seed);
    private readonly List<(string Placeholder, string Raw)> _raw = [];

    private enum Kind
    {
        DropMember,
        WrongType,
        DeepNesting,
        HugeString,
        InvalidNumber,
        SetEdge,
        BadBase64,
        UnknownMember,
        Expression,
        ManyExpressionValues,
        Unicode,
        BrokenAttributeValue,
        DuplicateMember,
        KeyEdge,
        NumericParameter,
        EnumGarbage,
        ArrayBlowup,
        TableNameEdge,
    }

    private static readonly (Kind Kind, int Weight)[] Weights =
    [
        (Kind.DropMember, 10), (Kind.WrongType, 12), (Kind.DeepNesting, 4), (Kind.HugeString, 4), (Kind.InvalidNumber, 8),
        (Kind.SetEdge, 6), (Kind.BadBase64, 4), (Kind.UnknownMember, 8), (Kind.Expression, 14), (Kind.ManyExpressionValues, 3),
        (Kind.Unicode, 8), (Kind.BrokenAttributeValue, 8), (Kind.DuplicateMember, 4), (Kind.KeyEdge, 6), (Kind.NumericParameter, 5),
        (Kind.EnumGarbage, 5), (Kind.ArrayBlowup, 4), (Kind.TableNameEdge, 5),
    ];

    private static readonly int TotalWeight = Weights.Sum(w => w.Weight);

    /// <summary>A place in the JSON tree: a member of an object or an element of an array.</summary>
    private sealed record Slot(JsonNode Parent, string? Name, int Index, JsonNode? Value, string Path)
    {
        public void Set(JsonNode? value)
        {
            if (Parent is JsonObject o)
            {
                o[Name!] = value;
            }
            else
            {
                ((JsonArray)Parent)[Index] = value;
            }
        }

        public void Remove()
        {
            if (Parent is JsonObject o)
            {
                o.Remove(Name!);
            }
            else
            {
                ((JsonArray)Parent).RemoveAt(Index);
            }
        }

        public bool IsAttributeValue =>
            Value is JsonObject { Count: 1 } o && AttributeTypes.Contains(o.First().Key);

        public bool IsString => Value is JsonValue v && v.GetValueKind() == JsonValueKind.String;
    }

    public MutatedBody Mutate(JsonObject valid)
    {
        while (true)
        {
            var mutant = MutateOnce(valid);
            if (mutant.Body.Length <= MaxBodyBytes)
            {
                return mutant;
            }
        }
    }

    private MutatedBody MutateOnce(JsonObject valid)
    {
        _raw.Clear();
        var notes = new List<string>();
        if (_rng.Next(100) < 3)
        {
            var special = Pick(SpecialBodies);
            return new MutatedBody(Encoding.UTF8.GetBytes(special), "whole body replaced by " + Short(special));
        }

        var body = (JsonObject)valid.DeepClone();
        var count = Pick([1, 1, 1, 1, 2, 2, 3]);
        for (var i = 0; i < count; i++)
        {
            notes.Add(Apply(body, PickKind()));
        }

        var text = body.ToJsonString(WriteOptions);
        for (var i = _raw.Count - 1; i >= 0; i--)
        {
            text = text.Replace("\"" + _raw[i].Placeholder + "\"", _raw[i].Raw, StringComparison.Ordinal);
        }
        var bytes = Encoding.UTF8.GetBytes(text);

        if (_rng.Next(100) < 12)
        {
            (bytes, var note) = DamageBytes(bytes);
            notes.Add(note);
        }
        return new MutatedBody(bytes, string.Join("; ", notes));
    }

    private Kind PickKind()
    {
        var n = _rng.Next(TotalWeight);
        foreach (var (kind, weight) in Weights)
        {
            if (n < weight)
            {
                return kind;
            }
            n -= weight;
        }
        return Kind.WrongType;
    }

    private string Apply(JsonObject body, Kind kind)
    {
        var slots = new List<Slot>();
        Collect(body, "$", slots);
        switch (kind)
        {
            case Kind.DropMember:
            {
                var members = slots.Where(s => s.Name is not null).ToList();
                if (members.Count == 0)
                {
                    return Apply(body, Kind.UnknownMember);
                }
                var slot = Pick(members);
                slot.Remove();
                return "drop " + slot.Path;
            }
            case Kind.WrongType:
            {
                if (slots.Count == 0)
                {
                    return Apply(body, Kind.UnknownMember);
                }
                var slot = Pick(slots);
                var raw = Pick(["0", "-1", "1.5", "1e999", "123456789012345678901234567890", "\"str\"", "\"\"", "true", "false", "null", "[]",
                    "[1,\"a\",null]", "{}", "{\"x\":1}", "[[]]", "{\"S\":\"wrapped\"}"]);
                slot.Set(Raw(raw));
                return "wrong type " + slot.Path + " := " + raw;
            }
            case Kind.DeepNesting:
            {
                var depth = Pick([40, 40, 200, 200, 1000, 5000, 50_000]);
                var shape = _rng.Next(4);
                var raw = shape switch
                {
                    0 => Repeat("{\"M\":{\"a\":", depth) + "{\"S\":\"x\"}" + Repeat("}}", depth),
                    1 => Repeat("{\"L\":[", depth) + "{\"N\":\"1\"}" + Repeat("]}", depth),
                    2 => Repeat("[", depth) + Repeat("]", depth),
                    _ => Repeat("{\"a\":", depth) + "1" + Repeat("}", depth),
                };
                var target = PickTarget(slots, s => s.IsAttributeValue, 70);
                var description = string.Create(CultureInfo.InvariantCulture, $"nesting depth {depth} shape {shape}");
                if (target is null)
                {
                    body["deep"] = Raw(raw);
                    return description + " at $.deep";
                }
                target.Set(Raw(raw));
                return description + " at " + target.Path;
            }
            case Kind.HugeString:
            {
                var length = 400_001 + _rng.Next(50_000);
                var fill = Pick(['x', 'x', '\u00e9', '\u20ac']);
                var huge = new string(fill, length);
                var description = string.Create(CultureInfo.InvariantCulture, $"huge string ({length} x U+{(int)fill:X4})");
                if (_rng.Next(4) == 0)
                {
                    var objects = slots.Where(s => s.Value is JsonObject).Select(s => (JsonObject)s.Value!).Append(body).ToList();
                    var o = Pick(objects);
                    o[huge] = JsonValue.Create("v");
                    return description + " as a member name";
                }
                var target = PickTarget(slots, s => s.IsString, 90);
                if (target is null)
                {
                    body["TableName"] = huge;
                    return description + " at $.TableName";
                }
                target.Set(JsonValue.Create(huge));
                return description + " at " + target.Path;
            }
            case Kind.InvalidNumber:
            {
                var bad = _rng.Next(5) == 0 ? Pick(EdgeNumbers) : Pick(BadNumbers);
                var numbers = slots.Where(s => s.Name is "N" && s.IsString).ToList();
                var numberSets = slots.Where(s => s.Name is "NS" && s.Value is JsonArray).ToList();
                if (numberSets.Count > 0 && _rng.Next(4) == 0)
                {
                    var set = Pick(numberSets);
                    ((JsonArray)set.Value!).Add(bad);
                    return "number set " + set.Path + " += " + Short(bad);
                }
                if (numbers.Count > 0 && _rng.Next(5) != 0)
                {
                    var slot = Pick(numbers);
                    slot.Set(JsonValue.Create(bad));
                    return "number " + slot.Path + " := " + Short(bad);
                }
                var target = PickTarget(slots, s => s.IsAttributeValue, 100);
                if (target is null)
                {
                    return Apply(body, Kind.NumericParameter);
                }
                var node = new JsonObject { ["N"] = bad };
                target.Set(node);
                return "number " + target.Path + " := {N:" + Short(bad) + "}";
            }
            case Kind.SetEdge:
            {
                var raw = _rng.Next(8) == 0
                    ? "{\"SS\":[" + string.Join(",", Enumerable.Range(0, 10_000).Select(i => "\"s" + i.ToString(CultureInfo.InvariantCulture) + "\"")) + "]}"
                    : Pick(SetEdges);
                return ReplaceAttributeValue(body, slots, raw);
            }
            case Kind.BadBase64:
            {
                var bad = _rng.Next(10) == 0 ? new string('A', 700_000) + "!" : Pick(BadBase64);
                var binaries = slots.Where(s => s.Name is "B" && s.IsString).ToList();
                var binarySets = slots.Where(s => s.Name is "BS" && s.Value is JsonArray).ToList();
                if (binarySets.Count > 0 && _rng.Next(3) == 0)
                {
                    var set = Pick(binarySets);
                    ((JsonArray)set.Value!).Add(bad);
                    return "binary set " + set.Path + " += " + Short(bad);
                }
                if (binaries.Count > 0 && _rng.Next(4) != 0)
                {
                    var slot = Pick(binaries);
                    slot.Set(JsonValue.Create(bad));
                    return "base64 " + slot.Path + " := " + Short(bad);
                }
                var target = PickTarget(slots, s => s.IsAttributeValue, 100);
                if (target is null)
                {
                    return Apply(body, Kind.WrongType);
                }
                target.Set(new JsonObject { ["B"] = bad });
                return "base64 " + target.Path + " := {B:" + Short(bad) + "}";
            }
            case Kind.UnknownMember:
            {
                var objects = slots.Where(s => s.Value is JsonObject).Select(s => ((JsonObject)s.Value!, s.Path)).Append((body, "$")).ToList();
                var (o, path) = _rng.Next(3) == 0 ? Pick(objects) : (body, "$");
                if (_rng.Next(2) == 0)
                {
                    var (name, json) = Pick(KnownMembers);
                    o[name] = Raw(json);
                    return "add member " + path + "." + name + " = " + Short(json);
                }
                var unknown = Pick(["Foo", "foo", "TABLENAME", "Table Name", "$ref", "constructor", "__proto__", "x-amz-target", "S", "N", "M"]);
                o[unknown] = Raw(Pick(["1", "\"x\"", "null", "{}", "[]", "{\"S\":\"x\"}", "true"]));
                return "add unknown member " + path + "." + unknown;
            }
            case Kind.Expression:
            {
                var expression = GarbageExpression(out var description);
                var expressions = slots.Where(s => s.Name is not null && s.Name.EndsWith("Expression", StringComparison.Ordinal)).ToList();
                if (expressions.Count > 0 && _rng.Next(5) != 0)
                {
                    var slot = Pick(expressions);
                    slot.Set(expression);
                    return "expression " + slot.Path + " := " + description;
                }
                var member = Pick(["ConditionExpression", "UpdateExpression", "KeyConditionExpression", "FilterExpression", "ProjectionExpression"]);
                body[member] = expression;
                return "expression $." + member + " := " + description;
            }
            case Kind.ManyExpressionValues:
            {
                var count = Pick([1000, 5000]);
                var names = _rng.Next(3) == 0;
                var map = body[names ? "ExpressionAttributeNames" : "ExpressionAttributeValues"] as JsonObject ?? [];
                var sb = new StringBuilder("{");
                foreach (var (k, v) in map)
                {
                    sb.Append(JsonSerializer.Serialize(k)).Append(':').Append(v?.ToJsonString(WriteOptions) ?? "null").Append(',');
                }
                for (var i = 0; i < count; i++)
                {
                    var index = i.ToString(CultureInfo.InvariantCulture);
                    sb.Append(names ? "\"#x" + index + "\":\"a" + index + "\"," : "\":x" + index + "\":{\"N\":\"" + index + "\"},");
                }
                sb.Length--;
                sb.Append('}');
                body[names ? "ExpressionAttributeNames" : "ExpressionAttributeValues"] = Raw(sb.ToString());
                if (_rng.Next(2) == 0)
                {
                    // Also use them all, in an expression far over 4 KB.
                    var used = string.Join(" OR ", Enumerable.Range(0, count).Select(i =>
                        names ? "#x" + i.ToString(CultureInfo.InvariantCulture) + " = :v" : "num = :x" + i.ToString(CultureInfo.InvariantCulture)));
                    body[Pick(["ConditionExpression", "FilterExpression"])] = used;
                    return string.Create(CultureInfo.InvariantCulture, $"{count} expression attribute {(names ? "names" : "values")}, all used");
                }
                return string.Create(CultureInfo.InvariantCulture, $"{count} extra expression attribute {(names ? "names" : "values")}");
            }
            case Kind.Unicode:
            {
                var raw = Pick(UnicodeStrings);
                var where = _rng.Next(3);
                if (where == 0)
                {
                    var objects = slots.Where(s => s.Value is JsonObject).Select(s => ((JsonObject)s.Value!, s.Path)).Append((body, "$")).ToList();
                    var (o, path) = Pick(objects);
                    if (o.Count > 0 && _rng.Next(2) == 0)
                    {
                        // Rename an existing member to the unicode string.
                        var (name, value) = o.ElementAt(_rng.Next(o.Count));
                        o.Remove(name);
                        o[Placeholder(raw)] = value;
                        return "rename " + path + "." + name + " to " + raw;
                    }
                    o[Placeholder(raw)] = Raw(Pick(["{\"S\":\"x\"}", "\"x\"", "1"]));
                    return "member named " + raw + " in " + path;
                }
                var target = PickTarget(slots, s => s.IsString, 100);
                if (target is null)
                {
                    body["TableName"] = Raw(raw);
                    return "unicode $.TableName := " + raw;
                }
                target.Set(Raw(raw));
                return "unicode " + target.Path + " := " + raw;
            }
            case Kind.BrokenAttributeValue:
                return ReplaceAttributeValue(body, slots, Pick(BrokenAttributeValues));
            case Kind.DuplicateMember:
            {
                var objects = slots.Where(s => s.Value is JsonObject { Count: > 0 }).Select(s => ((JsonObject)s.Value!, s.Path)).ToList();
                var (o, path) = objects.Count == 0 || _rng.Next(3) == 0 ? (body, "$") : Pick(objects);
                if (o.Count == 0)
                {
                    return Apply(body, Kind.UnknownMember);
                }
                var (name, _) = o.ElementAt(_rng.Next(o.Count));
                var value = Pick(["\"other\"", "null", "1", "{}", "{\"S\":\"dup\"}", "[]"]);
                o[Placeholder(JsonSerializer.Serialize(name))] = Raw(value);
                return "duplicate member " + path + "." + name + " = " + value;
            }
            case Kind.KeyEdge:
            {
                var keys = slots.Where(s => s.Name is "Key" or "Item" or "ExclusiveStartKey" && s.Value is JsonObject).ToList();
                keys.AddRange(slots.Where(s => s.Parent is JsonArray && s.Value is JsonObject o && (o.ContainsKey("pk") || o.ContainsKey("id"))));
                if (keys.Count == 0)
                {
                    return Apply(body, Kind.BrokenAttributeValue);
                }
                var slot = Pick(keys);
                var key = (JsonObject)slot.Value!;
                var edit = _rng.Next(10);
                switch (edit)
                {
                    case 0:
                        key.Remove("sk");
                        key.Remove("id");
                        return "key without sort key / id at " + slot.Path;
                    case 1:
                        key["extra"] = new JsonObject { ["S"] = "x" };
                        return "key plus extra attribute at " + slot.Path;
                    case 2:
                        key[key.ContainsKey("id") ? "id" : "pk"] = Raw(Pick(["{\"S\":\"\"}", "{\"B\":\"\"}", "{\"N\":\"1\"}", "{\"SS\":[\"a\"]}", "{\"NULL\":true}"]));
                        return "empty or wrong-type key value at " + slot.Path;
                    case 3:
                        key["pk"] = new JsonObject { ["S"] = new string('k', Pick([2048, 2049, 70_000])) };
                        return "long partition key at " + slot.Path;
                    case 4:
                        key["sk"] = new JsonObject { ["N"] = Pick(["1e126", "-1e126", "1e-131", "abc", "99999999999999999999999999999999999999.1"]) };
                        return "bad numeric sort key at " + slot.Path;
                    case 5:
                        key["sk"] = new JsonObject { ["S"] = "x" };
                        return "string sort key at " + slot.Path;
                    case 6:
                        key["id"] = new JsonObject { ["B"] = Convert.ToBase64String(new byte[Pick([1024, 1025, 2049])]) };
                        return "long binary key at " + slot.Path;
                    case 7:
                        if (key.TryGetPropertyValue("pk", out var pk))
                        {
                            key.Remove("pk");
                            key["PK"] = pk;
                        }
                        return "renamed pk to PK at " + slot.Path;
                    case 8:
                        key.Clear();
                        return "empty key at " + slot.Path;
                    default:
                        key["sk"] = new JsonObject { ["N"] = "1" };
                        key["pk"] = Raw("{\"S\":\"\\ud800\"}");
                        return "lone surrogate partition key at " + slot.Path;
                }
            }
            case Kind.NumericParameter:
            {
                var raw = Pick(RawNumbers);
                var numeric = slots.Where(s => s.Name is not null && NumericMembers.Contains(s.Name)).ToList();
                if (numeric.Count > 0 && _rng.Next(4) != 0)
                {
                    var slot = Pick(numeric);
                    slot.Set(Raw(raw));
                    return "numeric " + slot.Path + " := " + raw;
                }
                var member = Pick(NumericMembers);
                body[member] = Raw(raw);
                return "numeric $." + member + " := " + raw;
            }
            case Kind.EnumGarbage:
            {
                var value = Pick(EnumValues);
                var enums = slots.Where(s => s.Name is not null && EnumMembers.Contains(s.Name)).ToList();
                if (enums.Count > 0 && _rng.Next(4) != 0)
                {
                    var slot = Pick(enums);
                    slot.Set(JsonValue.Create(value));
                    return "enum " + slot.Path + " := " + Short(value);
                }
                var member = Pick(["ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "Select", "ConditionalOperator",
                    "BillingMode", "TableClass", "ReturnValuesOnConditionCheckFailure"]);
                body[member] = value;
                return "enum $." + member + " := " + Short(value);
            }
            case Kind.ArrayBlowup:
            {
                var arrays = slots.Where(s => s.Value is JsonArray).ToList();
                if (arrays.Count == 0)
                {
                    return Apply(body, Kind.WrongType);
                }
                var slot = Pick(arrays);
                var array = (JsonArray)slot.Value!;
                var count = Pick([0, 26, 101, 1000]);
                var first = array.Count > 0 ? array[0] : null;
                // Keep bodies far below the 16 MiB request limit: copies of a huge element stay few.
                var elementSize = first?.ToJsonString(WriteOptions).Length ?? 4;
                count = Math.Min(count, Math.Max(1, MaxBlowupBytes / elementSize));
                var copy = new JsonArray();
                for (var i = 0; i < count; i++)
                {
                    copy.Add(first?.DeepClone());
                }
                if (_rng.Next(3) == 0)
                {
                    copy.Add(Raw(Pick(["null", "1", "\"x\"", "[]", "{}"])));
                }
                slot.Set(copy);
                return string.Create(CultureInfo.InvariantCulture, $"array {slot.Path} := {copy.Count} elements");
            }
            case Kind.TableNameEdge:
            {
                var name = Pick(TableNames);
                var names = slots.Where(s => s.Name is "TableName" or "ExclusiveStartTableName").ToList();
                if (body["RequestItems"] is JsonObject { Count: > 0 } requestItems && _rng.Next(2) == 0)
                {
                    var (table, value) = requestItems.ElementAt(_rng.Next(requestItems.Count));
                    requestItems.Remove(table);
                    requestItems[name] = value;
                    return "RequestItems table renamed to " + Short(name);
                }
                if (names.Count == 0)
                {
                    body["TableName"] = name;
                    return "table name := " + Short(name);
                }
                var slot = Pick(names);
                slot.Set(JsonValue.Create(name));
                return "table name " + slot.Path + " := " + Short(name);
            }
            default:
                throw new InvalidOperationException(kind.ToString());
        }
    }

    private string ReplaceAttributeValue(JsonObject body, List<Slot> slots, string raw)
    {
        var target = PickTarget(slots, s => s.IsAttributeValue, 100);
        if (target is null)
        {
            body["Item"] = Raw("{\"pk\":{\"S\":\"p1\"},\"sk\":{\"N\":\"1\"},\"bad\":" + raw + "}");
            return "attribute value $.Item.bad := " + Short(raw);
        }
        target.Set(Raw(raw));
        return "attribute value " + target.Path + " := " + Short(raw);
    }

    private JsonNode GarbageExpression(out string description)
    {
        switch (_rng.Next(11))
        {
            case 0:
            case 1:
            {
                var count = 1 + _rng.Next(40);
                var separator = _rng.Next(3) == 0 ? "" : " ";
                var text = string.Join(separator, Enumerable.Range(0, count).Select(_ => Pick(ExpressionTokens)));
                description = "token soup " + Short(text);
                return JsonValue.Create(text);
            }
            case 2:
            {
                var open = _rng.Next(6);
                var close = _rng.Next(6);
                if (open == close)
                {
                    close++;
                }
                var text = new string('(', open) + Pick(["num = :v", "attribute_exists(pk)", "pk = :p", "SET a = :v", "pk, sk"]) + new string(')', close);
                description = "unbalanced " + text;
                return JsonValue.Create(text);
            }
            case 3:
            {
                var clause = Pick(["num = :v OR ", "attribute_exists(pk) AND ", "SET a = :v, ", "pk, ", "size(lst) > :v AND "]);
                var target = 4097 + _rng.Next(8000);
                var sb = new StringBuilder();
                while (sb.Length < target)
                {
                    sb.Append(clause);
                }
                description = string.Create(CultureInfo.InvariantCulture, $"long expression ({sb.Length} chars of '{clause}')");
                return JsonValue.Create(sb.ToString());
            }
            case 4:
            {
                var depth = Pick([50, 500, 1900, 5000, 100_000]);
                var text = Repeat("(", depth) + "num = :v" + Repeat(")", depth);
                description = string.Create(CultureInfo.InvariantCulture, $"parentheses nested {depth} deep");
                return JsonValue.Create(text);
            }
            case 5:
            {
                var depth = Pick([30, 300, 1000, 2000]);
                var shape = _rng.Next(5);
                var text = shape switch
                {
                    0 => Repeat("size(", depth) + "num" + Repeat(")", depth) + " > :v",
                    1 => Repeat("NOT ", depth) + "num = :v",
                    2 => "m" + Repeat(".a", depth) + " = :v",
                    3 => "lst" + Repeat("[0]", depth) + " = :v",
                    _ => "SET a = " + Repeat("if_not_exists(a, ", depth) + ":v" + Repeat(")", depth),
                };
                description = string.Create(CultureInfo.InvariantCulture, $"nested shape {shape} depth {depth}");
                return JsonValue.Create(text);
            }
            case 6:
            {
                var count = Pick([100, 101, 200, 5000]);
                var text = "num IN (" + string.Join(", ", Enumerable.Repeat(":v", count)) + ")";
                description = string.Create(CultureInfo.InvariantCulture, $"IN with {count} operands");
                return JsonValue.Create(text);
            }
            case 7:
            case 8:
            {
                var text = Pick(SemanticExpressions);
                description = "semantic " + Short(text);
                return JsonValue.Create(text);
            }
            case 9:
            {
                var raw = Pick(["\"num = :v\\ud800\"", "\"\\udc00 = :v\"", "\"#\\ud800 = :v\"", "\"num = :v\\u0000\"", "\"n\\u0301um = :v\"",
                    "\"\\ufeffnum = :v\"", "\"num\\u00a0= :v\"", "\"num \\u2260 :v\""]);
                description = "unicode " + raw;
                return Raw(raw);
            }
            default:
            {
                var chars = new char[1 + _rng.Next(200)];
                for (var i = 0; i < chars.Length; i++)
                {
                    chars[i] = (char)_rng.Next(0x20, 0x7F);
                }
                var text = new string(chars);
                description = "random ascii " + Short(text);
                return JsonValue.Create(text);
            }
        }
    }

    private (byte[] Bytes, string Note) DamageBytes(byte[] bytes)
    {
        switch (_rng.Next(7))
        {
            case 0:
            {
                var length = bytes.Length == 0 ? 0 : _rng.Next(bytes.Length);
                return (bytes[..length], string.Create(CultureInfo.InvariantCulture, $"truncated to {length} of {bytes.Length} bytes"));
            }
            case 1:
            case 2:
            {
                var sequence = Pick<byte[]>([[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xE2, 0x82], [0xFE, 0xFF],
                    [0xF4, 0x90, 0x80, 0x80], [0xC3]]);
                var quotes = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] == (byte)'"').ToList();
                var at = quotes.Count > 0 && _rng.Next(4) != 0 ? Pick(quotes) + 1 : _rng.Next(bytes.Length + 1);
                var result = new byte[bytes.Length + sequence.Length];
                bytes.AsSpan(0, at).CopyTo(result);
                sequence.CopyTo(result, at);
                bytes.AsSpan(at).CopyTo(result.AsSpan(at + sequence.Length));
                return (result, string.Create(CultureInfo.InvariantCulture, $"invalid UTF-8 {Convert.ToHexString(sequence)} at byte {at}"));
            }
            case 3:
                return ([0xEF, 0xBB, 0xBF, .. bytes], "UTF-8 BOM prefix");
            case 4:
            {
                var tail = Pick(["}", "xyz", " {}", "\u0000", ",", "]", "\n\n", "{\"TableName\":\"x\"}"]);
                return ([.. bytes, .. Encoding.UTF8.GetBytes(tail)], "trailing " + Short(tail));
            }
            case 5:
            {
                var copy = (byte[])bytes.Clone();
                var flips = 1 + _rng.Next(5);
                for (var i = 0; i < flips && copy.Length > 0; i++)
                {
                    copy[_rng.Next(copy.Length)] = (byte)_rng.Next(256);
                }
                return (copy, string.Create(CultureInfo.InvariantCulture, $"{flips} random bytes overwritten"));
            }
            default:
            {
                var random = new byte[1 + _rng.Next(200)];
                _rng.NextBytes(random);
                return (random, string.Create(CultureInfo.InvariantCulture, $"replaced by {random.Length} random bytes"));
            }
        }
    }

    private Slot? PickTarget(List<Slot> slots, Func<Slot, bool> preferred, int preferredPercent)
    {
        var candidates = slots.Where(preferred).ToList();
        if (candidates.Count > 0 && _rng.Next(100) < preferredPercent)
        {
            return Pick(candidates);
        }
        return slots.Count > 0 ? Pick(slots) : null;
    }

    private JsonNode Raw(string rawJson) => JsonValue.Create(Placeholder(rawJson));

    /// <summary>A placeholder string that is replaced by <paramref name="rawJson"/> (a JSON value or a quoted member name).</summary>
    private string Placeholder(string rawJson)
    {
        var placeholder = string.Create(CultureInfo.InvariantCulture, $"@@RAW{_raw.Count}@@");
        _raw.Add((placeholder, rawJson));
        return placeholder;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private static void Collect(JsonNode node, string path, List<Slot> slots)
    {
        if (node is JsonObject o)
        {
            foreach (var (name, value) in o.ToList())
            {
                var childPath = path + "." + Short(name, 40);
                slots.Add(new Slot(o, name, -1, value, childPath));
                if (value is not null)
                {
                    Collect(value, childPath, slots);
                }
            }
        }
        else if (node is JsonArray a)
        {
            for (var i = 0; i < a.Count; i++)
            {
                var childPath = path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                slots.Add(new Slot(a, null, i, a[i], childPath));
                if (a[i] is { } child)
                {
                    Collect(child, childPath, slots);
                }
            }
        }
    }

    private static string Repeat(string s, int count) => new StringBuilder(s.Length * count).Insert(0, s, count).ToString();

    private static string Short(string s, int max = 80)
    {
        var escaped = JsonSerializer.Serialize(s.Length > max ? s[..max] : s);
        return s.Length > max ? string.Create(CultureInfo.InvariantCulture, $"{escaped}...({s.Length} chars)") : escaped;
    }
}
