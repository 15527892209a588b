using System.Text.Json;
using Lockbox.Common;
using Lockbox.DynamoDb.Api;
using Lockbox.DynamoDb.Streams;
using Lockbox.DynamoDb.Tables;

namespace Lockbox.DynamoDb.Operations;

/// <summary>
/// PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy on table and stream ARNs. The
/// policies live in the table's definition (a stream's under its label), so they change under the
/// table's definition lock and go with the table when it is deleted, as DynamoDB's do. Messages are
/// the ones DynamoDB answers with (see docs/ARCHITECTURE.md, "Resource-based policies").
/// </summary>
internal sealed class ResourcePolicyOperations(TableCatalog catalog, StreamStore streams, IRequestAuthorizer authorizer, TimeProvider time)
{
    /// <summary>ExpectedRevisionId meaning "attach only if the resource has no policy".</summary>
    public const string NoPolicy = "NO_POLICY";

    private const int MaxArnLength = 1283;
    private const int MaxRevisionIdLength = 255;

    public void PutResourcePolicy(PutResourcePolicyRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        CheckArnConstraints(request.ResourceArn, errors);
        errors.NotNull(request.Policy, "policy");
        CheckRevisionConstraints(request.ExpectedRevisionId, errors);
        errors.ThrowIfAny();

        var target = PolicyTarget.Parse(request.ResourceArn!, caller);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:PutResourcePolicy", target.Arn));
        var table = RequireTable(target, caller);
        var document = ResourcePolicyDocument.Normalize(request.Policy!);
        string revision;
        lock (table.DefinitionLock)
        {
            var current = target.Read(table.Definition);
            CheckExpectedRevision(request.ExpectedRevisionId, current, target);
            if (current is not null && ResourcePolicyDocument.Equivalent(current.Document, document))
            {
                // An equivalent document is a no-op that keeps its revision, as in DynamoDB.
                revision = current.RevisionId;
            }
            else
            {
                revision = NextRevision(current);
                var changed = TableCatalog.Copy(table.Definition);
                target.Write(changed, new ResourcePolicyRecord { Document = document, RevisionId = revision });
                catalog.Update(table, changed);
            }
        }

        writer.WriteStartObject();
        writer.WriteString("RevisionId", revision);
        writer.WriteEndObject();
    }

    public void GetResourcePolicy(GetResourcePolicyRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        CheckArnConstraints(request.ResourceArn, errors);
        errors.ThrowIfAny();

        var target = PolicyTarget.Parse(request.ResourceArn!, caller);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:GetResourcePolicy", target.Arn));
        var policy = FindPolicy(target, caller) ?? throw PolicyNotFoundDetail(target.Arn);
        writer.WriteStartObject();
        writer.WriteString("Policy", policy.Document);
        writer.WriteString("RevisionId", policy.RevisionId);
        writer.WriteEndObject();
    }

    public void DeleteResourcePolicy(DeleteResourcePolicyRequest request, CallerContext caller, Utf8JsonWriter writer)
    {
        var errors = new ConstraintErrors();
        CheckArnConstraints(request.ResourceArn, errors);
        CheckRevisionConstraints(request.ExpectedRevisionId, errors);
        errors.ThrowIfAny();

        var target = PolicyTarget.Parse(request.ResourceArn!, caller);
        authorizer.Authorize(caller, new AuthorizationRequest("dynamodb:DeleteResourcePolicy", target.Arn));
        var table = RequireTable(target, caller);
        ResourcePolicyRecord? removed;
        lock (table.DefinitionLock)
        {
            removed = target.Read(table.Definition);
            CheckExpectedRevision(request.ExpectedRevisionId, removed, target);
            if (removed is not null)
            {
                var changed = TableCatalog.Copy(table.Definition);
                target.Write(changed, null);
                catalog.Update(table, changed);
            }
        }

        // Deleting where there is no policy is an idempotent success with an empty answer.
        writer.WriteStartObject();
        if (removed is not null)
        {
            writer.WriteString("RevisionId", removed.RevisionId);
        }

        writer.WriteEndObject();
    }

    /// <summary>A policy given with CreateTable: checked like PutResourcePolicy's, first revision now.</summary>
    public ResourcePolicyRecord ForNewTable(string policy) =>
        new() { Document = ResourcePolicyDocument.Normalize(policy), RevisionId = NextRevision(null) };

    private static void CheckArnConstraints(string? arn, ConstraintErrors errors)
    {
        errors.NotNull(arn, "resourceArn");
        errors.MinLength(arn, "resourceArn", 1);
        errors.MaxLength(arn, "resourceArn", MaxArnLength);
    }

    private static void CheckRevisionConstraints(string? revision, ConstraintErrors errors)
    {
        errors.MinLength(revision, "expectedRevisionId", 1);
        errors.MaxLength(revision, "expectedRevisionId", MaxRevisionIdLength);
    }

    private TableRuntime RequireTable(PolicyTarget target, CallerContext caller)
    {
        if (target.StreamLabel is not null && streams.Find(target.Arn) is null)
        {
            throw StreamNotFound(target);
        }

        return catalog.Find(caller.Principal.AccountId, caller.Region, target.TableName)
            ?? throw DynamoDbErrors.TableNotFound(target.TableName);
    }

    /// <summary>
    /// The policy a Get sees. A stream outlives its table by 24 hours; its policy does not, so the
    /// stream of a deleted table answers "policy not found" rather than "resource not found".
    /// </summary>
    private ResourcePolicyRecord? FindPolicy(PolicyTarget target, CallerContext caller)
    {
        if (target.StreamLabel is not null)
        {
            if (streams.Find(target.Arn) is null)
            {
                throw StreamNotFound(target);
            }

            var owner = catalog.Find(caller.Principal.AccountId, caller.Region, target.TableName);
            return owner is null ? null : target.Read(owner.Definition);
        }

        var table = catalog.Find(caller.Principal.AccountId, caller.Region, target.TableName)
            ?? throw DynamoDbErrors.TableNotFound(target.TableName);
        return target.Read(table.Definition);
    }

    private static void CheckExpectedRevision(string? expected, ResourcePolicyRecord? current, PolicyTarget target)
    {
        if (expected is null)
        {
            return;
        }

        if (expected == NoPolicy)
        {
            if (current is not null)
            {
                throw PolicyNotFoundDetail(
                    $"Requested policy update expecting none to be present for table {target.TableName}, but a policy exists with revision id {current.RevisionId}.");
            }

            return;
        }

        if (current is null)
        {
            throw PolicyNotFoundDetail(
                $"Requested update for policy with revision id {expected}, but table {target.TableName} has no associated policy.");
        }

        if (!string.Equals(current.RevisionId, expected, StringComparison.Ordinal))
        {
            throw PolicyNotFoundDetail(
                $"Requested update for policy with revision id {expected}, but the policy associated to target table {target.TableName} has revision id {current.RevisionId}.");
        }
    }

    /// <summary>DynamoDB's revision ids are the change time in epoch milliseconds; each change gets a larger one.</summary>
    private string NextRevision(ResourcePolicyRecord? previous)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (previous is not null && long.TryParse(previous.RevisionId, out var last) && now <= last)
        {
            now = last + 1;
        }

        return now.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static AwsServiceException PolicyNotFoundDetail(string detail) =>
        new(DynamoDbErrors.DynamoDbNamespace, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: " + detail);

    private static AwsServiceException StreamNotFound(PolicyTarget target) =>
        new(DynamoDbErrors.DynamoDbNamespace, "ResourceNotFoundException",
            $"Requested resource not found: Stream: {target.StreamLabel} not found for Table: {target.TableName}");

    /// <summary>A table ARN or a stream ARN of the caller's account and region, checked as DynamoDB checks it.</summary>
    private sealed record PolicyTarget(string Arn, string TableName, string? StreamLabel)
    {
        public static PolicyTarget Parse(string arn, CallerContext caller)
        {
            if (!arn.StartsWith("arn:", StringComparison.Ordinal))
            {
                throw DynamoDbErrors.InvalidParameter($"ARNs must start with 'arn:': {arn}");
            }

            var parts = arn.Split(':', 6);
            if (parts.Length != 6 || parts[2] != "dynamodb" || !parts[5].StartsWith("table/", StringComparison.Ordinal))
            {
                throw NotDynamoDbResource(arn);
            }

            if (parts[4] != caller.Principal.AccountId)
            {
                // DynamoDB's text, typographic apostrophe included.
                throw DynamoDbErrors.Validation("This action is only supported by accounts that match the resource owner\u2019s account.");
            }

            if (parts[1] != "aws" || parts[3] != caller.Region)
            {
                throw DynamoDbErrors.InvalidParameter("Invalid resource Arn: " + arn);
            }

            var path = parts[5]["table/".Length..].Split('/');
            if (path.Length == 1 && IsTableName(path[0]))
            {
                return new PolicyTarget(arn, path[0], null);
            }

            if (path.Length == 3 && IsTableName(path[0]) && path[1] == "stream" && path[2].Length > 0)
            {
                return new PolicyTarget(arn, path[0], path[2]);
            }

            if (path.Length == 3 && path[1] == "index")
            {
                throw DynamoDbErrors.InvalidParameter(
                    "Invalid resource arn provided, only table or stream is accepted. Provided resource arn: " + arn);
            }

            throw NotDynamoDbResource(arn);
        }

        public ResourcePolicyRecord? Read(TableDefinition definition) =>
            StreamLabel is null
                ? definition.ResourcePolicy
                : definition.StreamResourcePolicies.GetValueOrDefault(StreamLabel);

        public void Write(TableDefinition definition, ResourcePolicyRecord? policy)
        {
            if (StreamLabel is null)
            {
                definition.ResourcePolicy = policy;
            }
            else if (policy is null)
            {
                definition.StreamResourcePolicies.Remove(StreamLabel);
            }
            else
            {
                definition.StreamResourcePolicies[StreamLabel] = policy;
            }
        }

        private static bool IsTableName(string name) => name.Length is >= 3 and <= 255 && ConstraintErrors.IsValidName(name);

        private static AwsServiceException NotDynamoDbResource(string arn) =>
            DynamoDbErrors.InvalidParameter("Provided Arn is not a DynamoDB resource arn: " + arn);
    }
}
