using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.LowLevel.BadInput;

/// <summary>
/// The two seeded tables the mutated requests target, with a snapshot of their items and
/// descriptions taken by consistent Scans right after seeding. <see cref="DiffAsync"/> reports every
/// difference from the snapshot; <see cref="RestoreAsync"/> puts the snapshot back (after a mutated
/// write the server accepted) and checks that it took.
/// </summary>
internal sealed class GuardedTables
{
    private readonly RawDynamoDbClient _raw;
    private Dictionary<string, string> _items1 = [];
    private Dictionary<string, string> _items2 = [];
    private string _description1 = "";
    private string _description2 = "";

    private GuardedTables(RawDynamoDbClient raw, string name1, string name2)
    {
        _raw = raw;
        Name1 = name1;
        Name2 = name2;
    }

    /// <summary>pk (S) + sk (N).</summary>
    public string Name1 { get; }

    /// <summary>id (B), no sort key.</summary>
    public string Name2 { get; }

    public int ItemCount => _items1.Count + _items2.Count;

    public static async Task<GuardedTables> CreateAsync(RawDynamoDbClient raw, string name1, string name2)
    {
        var tables = new GuardedTables(raw, name1, name2);
        await CreateTableAsync(raw, name1, """[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}]""",
            """[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]""").ConfigureAwait(false);
        await CreateTableAsync(raw, name2, """[{"AttributeName":"id","AttributeType":"B"}]""",
            """[{"AttributeName":"id","KeyType":"HASH"}]""").ConfigureAwait(false);
        foreach (var item in BadInputRequests.GuardedItems)
        {
            await ExpectOkAsync(raw, "PutItem", "{\"TableName\":" + Json(name1) + ",\"Item\":" + item + "}").ConfigureAwait(false);
        }
        foreach (var item in BadInputRequests.Guarded2Items)
        {
            await ExpectOkAsync(raw, "PutItem", "{\"TableName\":" + Json(name2) + ",\"Item\":" + item + "}").ConfigureAwait(false);
        }

        tables._items1 = await tables.ScanAsync(name1).ConfigureAwait(false);
        tables._items2 = await tables.ScanAsync(name2).ConfigureAwait(false);
        tables._description1 = await tables.DescribeAsync(name1).ConfigureAwait(false);
        tables._description2 = await tables.DescribeAsync(name2).ConfigureAwait(false);
        if (tables._items1.Count != BadInputRequests.GuardedItems.Length || tables._items2.Count != BadInputRequests.Guarded2Items.Length)
        {
            throw new InvalidOperationException("Seeding the guarded tables did not store every item.");
        }

        // The guard must see a change, or every "unchanged" verdict would be vacuous.
        await ExpectOkAsync(raw, "UpdateItem", "{\"TableName\":" + Json(name1)
            + ",\"Key\":{\"pk\":{\"S\":\"p1\"},\"sk\":{\"N\":\"1\"}},\"UpdateExpression\":\"SET m.b.c = :v\",\"ExpressionAttributeValues\":{\":v\":{\"N\":\"2\"}}}")
            .ConfigureAwait(false);
        await ExpectOkAsync(raw, "PutItem", "{\"TableName\":" + Json(name2) + ",\"Item\":{\"id\":{\"B\":\"AAAA\"}}}").ConfigureAwait(false);
        var seen = await tables.DiffAsync().ConfigureAwait(false);
        if (seen.Count != 2)
        {
            throw new InvalidOperationException("The guard did not see a changed and an added item:\n" + string.Join("\n", seen));
        }
        await tables.RestoreAsync().ConfigureAwait(false);
        return tables;
    }

    /// <summary>Every difference between the tables' items now and the snapshot (empty when equal).</summary>
    public async Task<List<string>> DiffAsync(bool includeDescriptions = false)
    {
        var problems = new List<string>();
        Compare(Name1, _items1, await ScanAsync(Name1).ConfigureAwait(false), problems);
        Compare(Name2, _items2, await ScanAsync(Name2).ConfigureAwait(false), problems);
        if (includeDescriptions)
        {
            var d1 = await DescribeAsync(Name1).ConfigureAwait(false);
            var d2 = await DescribeAsync(Name2).ConfigureAwait(false);
            if (d1 != _description1)
            {
                problems.Add("DescribeTable " + Name1 + " changed:\n  before: " + _description1 + "\n  after:  " + d1);
            }
            if (d2 != _description2)
            {
                problems.Add("DescribeTable " + Name2 + " changed:\n  before: " + _description2 + "\n  after:  " + d2);
            }
        }
        return problems;
    }

    /// <summary>Puts the snapshot back: deletes items that should not be there, rewrites changed or missing ones.</summary>
    public async Task RestoreAsync()
    {
        await RestoreTableAsync(Name1, _items1, item => new JsonObject { ["pk"] = item["pk"]!.DeepClone(), ["sk"] = item["sk"]!.DeepClone() })
            .ConfigureAwait(false);
        await RestoreTableAsync(Name2, _items2, item => new JsonObject { ["id"] = item["id"]!.DeepClone() }).ConfigureAwait(false);
        var left = await DiffAsync().ConfigureAwait(false);
        if (left.Count > 0)
        {
            throw new InvalidOperationException("Restoring the guarded tables did not take:\n" + string.Join("\n", left));
        }
    }

    public async Task DeleteAsync()
    {
        foreach (var name in new[] { Name1, Name2 })
        {
            await _raw.SendAsync("DeleteTable", "{\"TableName\":" + Json(name) + "}").ConfigureAwait(false);
        }
    }

    private async Task RestoreTableAsync(string table, Dictionary<string, string> snapshot, Func<JsonObject, JsonObject> keyOf)
    {
        var current = await ScanRawAsync(table).ConfigureAwait(false);
        var currentByKey = new Dictionary<string, (JsonObject Item, string Canonical)>(StringComparer.Ordinal);
        foreach (var item in current)
        {
            var key = Canonical(keyOf(item));
            currentByKey[key] = (item, Canonical(item));
            if (!snapshot.ContainsKey(key))
            {
                await ExpectOkAsync(_raw, "DeleteItem", "{\"TableName\":" + Json(table) + ",\"Key\":" + keyOf(item).ToJsonString() + "}")
                    .ConfigureAwait(false);
            }
        }
        foreach (var (key, canonical) in snapshot)
        {
            if (!currentByKey.TryGetValue(key, out var now) || now.Canonical != canonical)
            {
                await ExpectOkAsync(_raw, "PutItem", "{\"TableName\":" + Json(table) + ",\"Item\":" + canonical + "}").ConfigureAwait(false);
            }
        }
    }

    private static void Compare(string table, Dictionary<string, string> before, Dictionary<string, string> after, List<string> problems)
    {
        foreach (var (key, item) in before)
        {
            if (!after.TryGetValue(key, out var now))
            {
                problems.Add(table + ": item " + key + " disappeared (was " + item + ")");
            }
            else if (now != item)
            {
                problems.Add(table + ": item " + key + " changed\n  before: " + item + "\n  after:  " + now);
            }
        }
        foreach (var (key, item) in after)
        {
            if (!before.ContainsKey(key))
            {
                problems.Add(table + ": item " + key + " appeared: " + item);
            }
        }
    }

    /// <summary>Items by canonical key → canonical item.</summary>
    private async Task<Dictionary<string, string>> ScanAsync(string table)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in await ScanRawAsync(table).ConfigureAwait(false))
        {
            var key = item.ContainsKey("id")
                ? new JsonObject { ["id"] = item["id"]!.DeepClone() }
                : new JsonObject { ["pk"] = item["pk"]?.DeepClone(), ["sk"] = item["sk"]?.DeepClone() };
            result[Canonical(key)] = Canonical(item);
        }
        return result;
    }

    private async Task<List<JsonObject>> ScanRawAsync(string table)
    {
        var items = new List<JsonObject>();
        JsonNode? startKey = null;
        do
        {
            var request = new JsonObject { ["TableName"] = table, ["ConsistentRead"] = true };
            if (startKey is not null)
            {
                request["ExclusiveStartKey"] = startKey.DeepClone();
            }
            var response = await ExpectOkAsync(_raw, "Scan", request.ToJsonString()).ConfigureAwait(false);
            foreach (var item in response["Items"]!.AsArray())
            {
                items.Add(item!.AsObject());
            }
            startKey = response["LastEvaluatedKey"];
        }
        while (startKey is not null);
        return items;
    }

    private async Task<string> DescribeAsync(string table)
    {
        var response = await ExpectOkAsync(_raw, "DescribeTable", "{\"TableName\":" + Json(table) + "}").ConfigureAwait(false);
        return Canonical(response["Table"]!);
    }

    private static async Task CreateTableAsync(RawDynamoDbClient raw, string name, string definitions, string keySchema)
    {
        await ExpectOkAsync(raw, "CreateTable",
            "{\"TableName\":" + Json(name) + ",\"AttributeDefinitions\":" + definitions + ",\"KeySchema\":" + keySchema
            + ",\"BillingMode\":\"PAY_PER_REQUEST\"}").ConfigureAwait(false);
        await ExpectOkAsync(raw, "DescribeTable", "{\"TableName\":" + Json(name) + "}").ConfigureAwait(false);
    }

    public static async Task<JsonObject> ExpectOkAsync(RawDynamoDbClient raw, string operation, string body)
    {
        var response = await raw.SendAsync(operation, body).ConfigureAwait(false);
        if (response.Status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(
                $"Set-up/check request {operation} failed with {(int)response.Status}: {response.BodyText}\nRequest: {body}");
        }
        return JsonNode.Parse(response.Body)!.AsObject();
    }

    public static string Json(string value) => JsonSerializer.Serialize(value);

    /// <summary>JSON with object members sorted and SS/NS/BS members sorted, so equal values compare equal as text.</summary>
    public static string Canonical(JsonNode node)
    {
        var sb = new StringBuilder();
        Write(node, sb, setMember: false);
        return sb.ToString();
    }

    private static void Write(JsonNode? node, StringBuilder sb, bool setMember)
    {
        switch (node)
        {
            case JsonObject o:
                sb.Append('{');
                var first = true;
                foreach (var (name, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }
                    first = false;
                    sb.Append(JsonSerializer.Serialize(name)).Append(':');
                    Write(value, sb, name is "SS" or "NS" or "BS");
                }
                sb.Append('}');
                break;
            case JsonArray a:
                var elements = a.Select(e => e?.ToJsonString() ?? "null");
                if (setMember)
                {
                    elements = elements.Order(StringComparer.Ordinal);
                }
                else
                {
                    elements = a.Select(e =>
                    {
                        var inner = new StringBuilder();
                        Write(e, inner, setMember: false);
                        return inner.ToString();
                    });
                }
                sb.Append('[').AppendJoin(',', elements).Append(']');
                break;
            case null:
                sb.Append("null");
                break;
            default:
                sb.Append(node.ToJsonString());
                break;
        }
    }
}
