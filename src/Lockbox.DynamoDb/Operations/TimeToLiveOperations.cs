using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Tables;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// UpdateTimeToLive and DescribeTimeToLive. The setting is kept in the table definition; the
/// background <see cref="TimeToLive.TimeToLiveSweeper"/> acts on it. A change takes effect at once
/// (DynamoDB reports ENABLING/DISABLING for up to an hour; Lockbox has nothing to wait for).
/// </summary>
internal sealed class TimeToLiveOperations(TableCatalog catalog, IRequestAuthorizer authorizer)
{
    private readonly Lock _updateLock = new();

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
        lock (_updateLock)
        {
            var current = table.Definition.TimeToLiveAttribute;
            if (enable && current is not null)
            {
                throw DynamoDbErrors.Validation("TimeToLive is already enabled");
            }

            if (!enable && current is null)
            {
                throw DynamoDbErrors.Validation("TimeToLive is already disabled");
            }

            if (!enable && current != attribute)
            {
                throw DynamoDbErrors.Validation($"TimeToLive is active on a different AttributeName: current AttributeName is {current}");
            }

            var changed = TableCatalog.Copy(table.Definition);
            changed.TimeToLiveAttribute = enable ? attribute : null;
            catalog.Update(table, changed);
        }

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
        var attribute = table.Definition.TimeToLiveAttribute;
        writer.WriteStartObject();
        writer.WriteStartObject("TimeToLiveDescription");
        writer.WriteString("TimeToLiveStatus", attribute is null ? "DISABLED" : "ENABLED");
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
