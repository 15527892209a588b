using System.Globalization;
using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Lockbox.IntegrationTests.TestKit;

/// <summary>Unique table names and table set-up helpers shared by the tests.</summary>
public static class Tables
{
    private static int _counter;
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..6];

    /// <summary>A table name unique to this run and call site, e.g. <c>it-1a2b3c-PutGet-7</c>.</summary>
    public static string UniqueName([CallerMemberName] string hint = "t")
    {
        var n = Interlocked.Increment(ref _counter);
        var clean = new string(hint.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.').ToArray());
        if (clean.Length > 60)
        {
            clean = clean[..60];
        }
        return string.Create(CultureInfo.InvariantCulture, $"it-{RunId}-{clean}-{n}");
    }

    /// <summary>Creates a PAY_PER_REQUEST table with key pk (S) and optional sk, and waits for ACTIVE.</summary>
    public static async Task<string> CreateAsync(
        IAmazonDynamoDB client,
        string? sortKey = "sk",
        ScalarAttributeType? pkType = null,
        ScalarAttributeType? skType = null,
        [CallerMemberName] string hint = "t")
    {
        var name = UniqueName(hint);
        var request = new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", pkType ?? ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
        };
        if (sortKey is not null)
        {
            request.AttributeDefinitions.Add(new AttributeDefinition(sortKey, skType ?? ScalarAttributeType.S));
            request.KeySchema.Add(new KeySchemaElement(sortKey, KeyType.RANGE));
        }
        await client.CreateTableAsync(request).ConfigureAwait(false);
        await WaitForActiveAsync(client, name).ConfigureAwait(false);
        return name;
    }

    public static async Task<TableDescription> WaitForActiveAsync(IAmazonDynamoDB client, string table, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var description = (await client.DescribeTableAsync(table).ConfigureAwait(false)).Table;
            if (description.TableStatus == TableStatus.ACTIVE)
            {
                return description;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Table {table} is still {description.TableStatus} after {timeoutSeconds} s.");
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    public static async Task WaitForDeletedAsync(IAmazonDynamoDB client, string table, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            try
            {
                await client.DescribeTableAsync(table).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Table {table} still exists after {timeoutSeconds} s.");
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }
}

/// <summary>Short AttributeValue constructors.</summary>
public static class Av
{
    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(string value) => new() { N = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue B(params byte[] value) => new() { B = new MemoryStream(value) };

    public static AttributeValue Bool(bool value) => new() { BOOL = value };

    public static AttributeValue Null() => new() { NULL = true };

    public static AttributeValue SS(params string[] values) => new() { SS = [.. values] };

    public static AttributeValue NS(params string[] values) => new() { NS = [.. values] };

    public static AttributeValue BS(params byte[][] values) => new() { BS = [.. values.Select(v => new MemoryStream(v))] };

    public static AttributeValue L(params AttributeValue[] values) => new() { L = [.. values] };

    public static AttributeValue M(params (string Name, AttributeValue Value)[] entries) =>
        new() { M = entries.ToDictionary(e => e.Name, e => e.Value) };

    public static Dictionary<string, AttributeValue> Item(params (string Name, AttributeValue Value)[] entries) =>
        entries.ToDictionary(e => e.Name, e => e.Value);

    public static Dictionary<string, AttributeValue> Key(string pk) => Item(("pk", S(pk)));

    public static Dictionary<string, AttributeValue> Key(string pk, string sk) => Item(("pk", S(pk)), ("sk", S(sk)));

    /// <summary>
    /// A number's value in canonical form (sign, significant digits, exponent), so "1E+2" and "100"
    /// compare equal while every digit still counts.
    /// </summary>
    public static string CanonicalNumber(string n)
    {
        var s = n.Trim();
        var negative = s.StartsWith('-');
        s = s.TrimStart('-', '+');
        var exponent = 0;
        var e = s.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            exponent = int.Parse(s[(e + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            s = s[..e];
        }
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            exponent -= s.Length - dot - 1;
            s = s.Remove(dot, 1);
        }
        var digits = s.TrimStart('0');
        if (digits.Length == 0)
        {
            return "0";
        }
        var trimmed = digits.TrimEnd('0');
        exponent += digits.Length - trimmed.Length;
        return (negative ? "-" : "") + trimmed + "e" + exponent.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A canonical text form of an attribute value (sets sorted), for equality assertions.</summary>
    public static string Show(AttributeValue? v)
    {
        if (v is null)
        {
            return "<missing>";
        }
        if (v.S is not null)
        {
            return "S:" + v.S;
        }
        if (v.N is not null)
        {
            return "N:" + v.N;
        }
        if (v.B is not null)
        {
            return "B:" + Convert.ToBase64String(v.B.ToArray());
        }
        if (v.BOOL is not null)
        {
            return v.BOOL.Value ? "BOOL:true" : "BOOL:false";
        }
        if (v.NULL is true)
        {
            return "NULL";
        }
        if (v.SS is { Count: > 0 })
        {
            return "SS:[" + string.Join(",", v.SS.Order(StringComparer.Ordinal)) + "]";
        }
        if (v.NS is { Count: > 0 })
        {
            return "NS:[" + string.Join(",", v.NS.Order(StringComparer.Ordinal)) + "]";
        }
        if (v.BS is { Count: > 0 })
        {
            return "BS:[" + string.Join(",", v.BS.Select(b => Convert.ToBase64String(b.ToArray())).Order(StringComparer.Ordinal)) + "]";
        }
        if (v.L is not null)
        {
            return "L:[" + string.Join(",", v.L.Select(Show)) + "]";
        }
        if (v.M is not null)
        {
            return "M:" + Show(v.M);
        }
        return "<empty>";
    }

    public static string Show(IReadOnlyDictionary<string, AttributeValue>? item) =>
        item is null
            ? "<null>"
            : "{" + string.Join(",", item.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + Show(kv.Value))) + "}";

    public static string Show(Dictionary<string, AttributeValue>? item) =>
        Show((IReadOnlyDictionary<string, AttributeValue>?)item);
}

/// <summary>Assertions on AWS errors: exact error code and message.</summary>
public static class AwsAssert
{
    public static async Task<T> ThrowsAsync<T>(Func<Task> call, string? expectedMessage = null)
        where T : AmazonDynamoDBException
    {
        var ex = await Assert.ThrowsAsync<T>(call).ConfigureAwait(false);
        if (expectedMessage is not null)
        {
            Assert.Equal(expectedMessage, ex.Message);
        }
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
        return ex;
    }

    /// <summary>Asserts any AmazonDynamoDBException with the given error code (the part after '#') and message.</summary>
    public static async Task<AmazonDynamoDBException> ErrorAsync(Func<Task> call, string errorCode, string? expectedMessage = null)
    {
        var ex = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(call).ConfigureAwait(false);
        Assert.Equal(errorCode, ex.ErrorCode);
        if (expectedMessage is not null)
        {
            Assert.Equal(expectedMessage, ex.Message);
        }
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
        return ex;
    }

    public static Task<AmazonDynamoDBException> ValidationAsync(Func<Task> call, string expectedMessage) =>
        ErrorAsync(call, "ValidationException", expectedMessage);
}
