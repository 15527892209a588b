using System.Text;
using System.Text.Json;
using Lockbox.DynamoDb.Capacity;
using Lockbox.DynamoDb.Operations;

namespace Lockbox.DynamoDb.Tests.Capacity;

public sealed class ConsumedCapacityTests
{
    [Theory]
    [InlineData(0, true, 1)]
    [InlineData(0, false, 0.5)]
    [InlineData(4096, true, 1)]
    [InlineData(4097, true, 2)]
    [InlineData(4097, false, 1)]
    [InlineData(10_000, false, 1.5)]
    [InlineData(400 * 1024, true, 100)]
    public void Reads_are_4KB_units_halved_when_eventually_consistent(long size, bool consistent, double expected) =>
        Assert.Equal(expected, ConsumedCapacity.ReadUnits(size, consistent));

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(0, 1024, 1)]
    [InlineData(0, 1025, 2)]
    [InlineData(3000, 10, 3)]
    [InlineData(10, 3000, 3)]
    [InlineData(400 * 1024, 0, 400)]
    public void Writes_are_1KB_units_of_the_larger_item(long oldSize, long newSize, double expected) =>
        Assert.Equal(expected, ConsumedCapacity.WriteUnits(oldSize, newSize));

    [Fact]
    public void Transactions_cost_double() => Assert.Equal(4, ConsumedCapacity.Transactional(ConsumedCapacity.WriteUnits(1500)));

    [Fact]
    public void Total_reports_the_sum_and_indexes_reports_each_part()
    {
        var usage = CapacityUsage.ForTable("t", 2, isRead: false);
        usage.AddGlobalIndex("byOwner", 1);
        usage.AddGlobalIndex("byOwner", 1);
        usage.AddLocalIndex("byDate", 1);

        var total = Write(w => ConsumedCapacity.WriteValue(w, "TOTAL", usage));
        Assert.Equal("""{"TableName":"t","CapacityUnits":5,"WriteCapacityUnits":5}""", total);

        var indexes = JsonDocument.Parse(Write(w => ConsumedCapacity.WriteValue(w, "INDEXES", usage))).RootElement;
        Assert.Equal(5, indexes.GetProperty("CapacityUnits").GetDouble());
        Assert.Equal(2, indexes.GetProperty("Table").GetProperty("CapacityUnits").GetDouble());
        Assert.Equal(2, indexes.GetProperty("GlobalSecondaryIndexes").GetProperty("byOwner").GetProperty("CapacityUnits").GetDouble());
        Assert.Equal(1, indexes.GetProperty("LocalSecondaryIndexes").GetProperty("byDate").GetProperty("WriteCapacityUnits").GetDouble());
    }

    [Fact]
    public void Nothing_is_written_unless_asked()
    {
        var text = Write(w =>
        {
            w.WriteStartObject();
            ConsumedCapacity.WriteProperty(w, "NONE", CapacityUsage.ForTable("t", 1, isRead: true));
            ConsumedCapacity.WriteProperty(w, null, CapacityUsage.ForTable("t", 1, isRead: true));
            w.WriteEndObject();
        });
        Assert.Equal("{}", text);
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
