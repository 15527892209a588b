using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Lockbox.IntegrationTests.TestKit;
using Xunit.Abstractions;

namespace Lockbox.IntegrationTests.LockboxOnly;

/// <summary>
/// A server killed (SIGKILL) while it restores a table must not leave a half-filled table that
/// looks ACTIVE: after the restart the restore is resumed and the table turns ACTIVE with every item.
/// </summary>
[Collection(LockboxCollection.Name)]
public sealed class RestoreCrashTests(ITestOutputHelper output)
{
    private const int ItemCount = 6000;

    [ServerProcessFact]
    public async Task Restore_KilledMidway_IsResumedAfterRestart()
    {
        await using var server = await LockboxServer.StartNewAsync(LockboxServerOptions.WithGeneratedCredentials());
        try
        {
            string target;
            using (var client = LockboxServerFixture.CreateClient(server.Endpoint, server.AccessKey!, server.SecretKey!))
            {
                var table = await Tables.CreateAsync(client, sortKey: null);
                var padding = new string('x', 200);
                for (var i = 0; i < ItemCount; i += 25)
                {
                    await client.BatchWriteItemAsync(new BatchWriteItemRequest
                    {
                        RequestItems = new()
                        {
                            [table] = [.. Enumerable.Range(i, 25).Select(n => new WriteRequest(new PutRequest(Av.Item(("pk", Av.S("k" + n)), ("pad", Av.S(padding))))))],
                        },
                    });
                }

                var backup = await client.CreateBackupAsync(new CreateBackupRequest { TableName = table, BackupName = "crash" });
                target = table + "-restored";
                await client.RestoreTableFromBackupAsync(new RestoreTableFromBackupRequest { BackupArn = backup.BackupDetails.BackupArn, TargetTableName = target });
                var status = (await client.DescribeTableAsync(target)).Table;
                output.WriteLine($"at the kill: {status.TableStatus}, {status.ItemCount} items");
                Assert.True(status.TableStatus == TableStatus.ACTIVE ? status.ItemCount == ItemCount : status.TableStatus == TableStatus.CREATING,
                    $"{status.TableStatus} with {status.ItemCount} items");
                server.Kill();
            }

            await server.StartAsync();
            using (var client = LockboxServerFixture.CreateClient(server.Endpoint, server.AccessKey!, server.SecretKey!, 3))
            {
                var restored = await Tables.WaitForActiveAsync(client, target);
                Assert.Equal(ItemCount, restored.ItemCount);
                var scanned = 0;
                Dictionary<string, AttributeValue>? start = null;
                do
                {
                    var page = await client.ScanAsync(new ScanRequest { TableName = target, ExclusiveStartKey = start, Select = Select.COUNT });
                    scanned += page.Count ?? 0;
                    start = page.LastEvaluatedKey is { Count: > 0 } key ? key : null;
                }
                while (start is not null);
                Assert.Equal(ItemCount, scanned);
            }
        }
        catch
        {
            output.WriteLine(server.Output);
            throw;
        }
    }
}
