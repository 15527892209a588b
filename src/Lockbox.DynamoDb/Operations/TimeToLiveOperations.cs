using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Tables;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// UpdateTimeToLive and DescribeTimeToLive. The setting is kept in the table definition; the
/// background <see cref="TimeToLive.TimeToLiveSweeper"/> applies a change (ENABLING until the
/// expiry index is built, DISABLING until it is dropped) and deletes expired items.
/// <para>Checks in DynamoDB's order: the request's content against the current setting ("already
/// enabled", "already disabled", "active on a different AttributeName"), then the cooldown: a table
/// whose TTL changed less than <paramref name="cooldown"/> ago (DynamoDB: up to one hour), or whose
/// change is still being applied, refuses another change.</para>
/// </summary>
internal sealed class TimeToLiveOperations(TableCatalog catalog, IRequestAuthorizer authorizer, TimeToLive.TimeToLiveSweeper sweeper,
    TimeProvider time, TimeSpan cooldown)
{
    public void UpdateTimeToLive(UpdateTimeToLiveRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        ConstraintErrors.CheckTableName(request.TableName, errors);
        errors.NotNull(request.TimeToLiveSpecification, "timeToLiveSpecification");
        if (request.TimeToLiveSpecification is { } spec)
        {
            errors.NotNull(spec.AttributeName, "timeToLiveSpecification.attributeName");
            errors.MinLength(spec.AttributeName, "timeToLiveSpecification.attributeName", 1);
            errors.MaxLength(spec.AttributeName, "timeToLiveSpecification.attributeName", 255);
            errors.NotNull(spec.Enabled, "timeToLiveSpecification.enabled");
        }

        errors.ThrowIfAny();
        var table = RequireTable(request.TableName!, caller);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:UpdateTimeToLive", table.Definition.Arn));
        var enable = request.TimeToLiveSpecification!.Enabled!.Value;
        var attribute = request.TimeToLiveSpecification.AttributeName!;
        if (table.Definition.Restore is { InProgress: true })
        {
            throw DynamoDbErrors.ResourceInUse($"Attempt to change a resource which is still in use: Table is being created: {table.Definition.TableName}");
        }

        lock (table.DefinitionLock)
        {
            var definition = table.Definition;
            var state = definition.TimeToLiveState();
            var active = state is "ENABLED" or "ENABLING";
            var current = definition.TimeToLiveAttribute;
            if (active && current != attribute)
            {
                throw DynamoDbErrors.Validation($"TimeToLive is active on a different AttributeName: current AttributeName is {current}");
            }

            if (enable && active)
            {
                throw DynamoDbErrors.Validation("TimeToLive is already enabled");
            }

            if (!enable && !active)
            {
                throw DynamoDbErrors.Validation("TimeToLive is already disabled");
            }

            var now = time.GetUtcNow();
            var applying = state is "ENABLING" or "DISABLING";
            var cooling = definition.TimeToLiveChangeDateTime is { } changed
                && now < DateTimeOffset.UnixEpoch.AddSeconds(changed) + cooldown;
            if (applying || cooling)
            {
                throw DynamoDbErrors.Validation("Time to live has been modified multiple times within a fixed interval");
            }

            var updated = TableCatalog.Copy(definition);
            updated.TimeToLiveAttribute = attribute;
            updated.TimeToLiveStatus = enable ? "ENABLING" : "DISABLING";
            updated.TimeToLiveChangeDateTime = now.ToUnixTimeMilliseconds() / 1000.0;
            catalog.Update(table, updated);
        }

        sweeper.NotifyChanged();
        writer.WriteStartObject();
        writer.WriteStartObject("TimeToLiveSpecification");
        writer.WriteString("AttributeName", attribute);
        writer.WriteBoolean("Enabled", enable);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public void DescribeTimeToLive(TableNameRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        ConstraintErrors.CheckTableName(request.TableName, errors);
        errors.ThrowIfAny();
        var table = RequireTable(request.TableName!, caller);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DescribeTimeToLive", table.Definition.Arn));
        var definition = table.Definition;
        var state = definition.TimeToLiveState();
        var attribute = state == "DISABLED" ? null : definition.TimeToLiveAttribute;
        writer.WriteStartObject();
        writer.WriteStartObject("TimeToLiveDescription");
        writer.WriteString("TimeToLiveStatus", state);
        if (attribute is not null)
        {
            writer.WriteString("AttributeName", attribute);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private TableRuntime RequireTable(string tableName, CallerContext caller) =>
        catalog.Find(caller.Principal.AccountId, caller.Region, tableName) ?? throw DynamoDbErrors.TableNotFound(tableName);
}
