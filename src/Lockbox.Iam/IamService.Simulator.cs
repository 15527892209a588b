using System.Globalization;
using System.Net;
using System.Text;
using Lockbox.Iam.Authorization;
using Lockbox.Iam.Policy;
using Lockbox.Protocols.Query;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lockbox.Iam;

/// <summary>
/// The policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy and context-key discovery
/// (GetContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy). A principal's policies are
/// resolved by the <see cref="IamAuthorizer"/> that guards real requests and evaluated with the same
/// <see cref="PolicyEvaluator"/>, with an <see cref="EvaluationTrace"/> for the detail.
/// </summary>
public sealed partial class IamService
{
    private const string PolicyInputList = "PolicyInputList";
    private const string BoundaryInputList = "PermissionsBoundaryPolicyInputList";

    private static readonly string[] ContextKeyTypes =
        ["string", "stringList", "numeric", "numericList", "boolean", "booleanList", "ip", "ipList", "binary", "binaryList", "date", "dateList"];

    private IamAuthorizer? _simulationPolicies;

    /// <summary>
    /// The authorizer whose resolution path the simulator uses: the server's own (the one guarding
    /// requests) when that is what this service was given, else one over the same store.
    /// </summary>
    private IamAuthorizer SimulationPolicies =>
        _authorizer as IamAuthorizer ?? (_simulationPolicies ??= new IamAuthorizer(_store, null, NullLogger.Instance));

    /// <summary>One input policy with how the simulator reports it (SourcePolicyId, SourcePolicyType).</summary>
    private sealed record SimulationPolicy(CompiledPolicy Policy, string SourceId, string SourceType);

    private void SimulatePrincipalPolicy(Call call)
    {
        var sourceArn = call.Required("PolicySourceArn");
        Authorize(call, sourceArn);
        var entity = ResolveSource(sourceArn);
        Simulate(call, entity);
    }

    private void SimulateCustomPolicy(Call call)
    {
        Authorize(call, "*");
        Simulate(call, entity: null);
    }

    private void GetContextKeysForPrincipalPolicy(Call call)
    {
        var sourceArn = call.Required("PolicySourceArn");
        Authorize(call, sourceArn);
        var entity = ResolveSource(sourceArn);
        var policies = entity.Policies.IdentityPolicies.ToList();
        if (entity.Policies.PermissionsBoundary is { } boundary)
        {
            policies.Add(boundary);
        }

        policies.AddRange(InputPolicies(call, PolicyInputList, PolicyKind.Identity).Select(p => p.Policy));
        WriteContextKeys(call, policies);
    }

    private void GetContextKeysForCustomPolicy(Call call)
    {
        Authorize(call, "*");
        var policies = InputPolicies(call, PolicyInputList, PolicyKind.Identity);
        if (policies.Count == 0)
        {
            throw IamErrors.InvalidInput("PolicyInputList must contain at least one policy.");
        }

        WriteContextKeys(call, policies.Select(p => p.Policy));
    }

    private static void WriteContextKeys(Call call, IEnumerable<CompiledPolicy> policies)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var keys = new List<string>();
        foreach (var policy in policies)
        {
            keys.AddRange(policy.ContextKeys().Where(seen.Add));
        }

        call.Writer.StringList("ContextKeyNames", keys);
    }

    /// <summary>The user, group or role an ARN names, resolved as the authorizer resolves it; NoSuchEntity otherwise.</summary>
    private EffectivePolicies ResolveSource(string arn)
    {
        var (account, kind, name) = ParseEntityArn(arn, "PolicySourceArn");
        var resolved = account == _store.AccountId ? SimulationPolicies.ResolveEntity(arn, kind, name) : null;
        return resolved ?? throw kind switch
        {
            "user" => IamErrors.NoSuchUser(name),
            "group" => IamErrors.NoSuchGroup(name),
            _ => IamErrors.NoSuchRole(name),
        };
    }

    /// <summary>Splits arn:aws:iam::ACCOUNT:user|group|role/PATH/NAME; InvalidInput for anything else.</summary>
    private static (string Account, string Kind, string Name) ParseEntityArn(string arn, string parameter, bool usersOnly = false)
    {
        var parts = arn.Split(':', 6);
        if (parts is ["arn", "aws", "iam", "", { Length: 12 } account, var resource] && account.All(char.IsAsciiDigit))
        {
            var slash = resource.IndexOf('/', StringComparison.Ordinal);
            var kind = slash > 0 ? resource[..slash] : "";
            var name = resource[(resource.LastIndexOf('/') + 1)..];
            if ((kind == "user" || (!usersOnly && kind is "group" or "role")) && name.Length > 0)
            {
                return (account, kind, name);
            }
        }

        throw IamErrors.InvalidInput($"Invalid ARN {arn} in {parameter}.");
    }

    /// <summary>Parses the policies of an input list, reporting a bad document as InvalidInput with the parser's message.</summary>
    private static List<SimulationPolicy> InputPolicies(Call call, string parameter, PolicyKind kind)
    {
        var documents = call.Request.GetList(parameter);
        var policies = new List<SimulationPolicy>(documents.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            var id = $"{parameter}.{i + 1}";
            policies.Add(new SimulationPolicy(ParseInput(documents[i], kind, id), id, "none"));
        }

        return policies;
    }

    private static CompiledPolicy ParseInput(string document, PolicyKind kind, string id)
    {
        try
        {
            return CompiledPolicy.Parse(document, kind, id);
        }
        catch (MalformedPolicyDocumentException e)
        {
            throw IamErrors.InvalidInput($"{e.Message} ({id})");
        }
    }

    /// <summary>How a resolved policy is reported: an inline policy by its name and entity kind, a managed one by its name.</summary>
    private static (string Id, string Type) SourceOf(CompiledPolicy policy)
    {
        var id = policy.PolicyId;
        if (id.StartsWith("arn:aws:iam::aws:policy/", StringComparison.Ordinal))
        {
            return (id[(id.LastIndexOf('/') + 1)..], "aws-managed");
        }

        if (id.StartsWith("arn:", StringComparison.Ordinal))
        {
            return (id[(id.LastIndexOf('/') + 1)..], "user-managed");
        }

        // user/NAME/inline/POLICY, group/..., role/...
        var parts = id.Split('/');
        return parts.Length == 4 && parts[2] == "inline" ? (parts[3], parts[0]) : (id, "none");
    }

    private void Simulate(Call call, EffectivePolicies? entity)
    {
        var request = call.Request;
        var actions = request.GetList("ActionNames");
        if (actions.Count == 0)
        {
            throw IamErrors.Validation("1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null");
        }

        if (actions.FirstOrDefault(a => a.Length is < 3 or > 128) is { } badLength)
        {
            throw IamErrors.Validation($"1 validation error detected: Value '[{string.Join(", ", actions)}]' at 'actionNames' failed to satisfy constraint: " +
                $"Member must satisfy constraint: [Member must have length {(badLength.Length < 3 ? "greater than or equal to 3" : "less than or equal to 128")}]");
        }

        foreach (var action in actions)
        {
            if (action.Count(c => c == ':') != 1 || action.StartsWith(':') || action.EndsWith(':'))
            {
                throw IamErrors.InvalidInput($"Invalid action name {action}: an action name is a service prefix and an operation, such as iam:CreateUser.");
            }

            if (entity is null && (action.Contains('*', StringComparison.Ordinal) || action.Contains('?', StringComparison.Ordinal)))
            {
                throw IamErrors.InvalidInput($"Invalid action name {action}: wildcards are not supported in action names.");
            }
        }

        var resources = request.GetList("ResourceArns");
        var specificResources = resources.Count > 0;
        if (!specificResources)
        {
            resources = ["*"];
        }

        // Policies: the entity's (resolved as for real requests) plus the inputs.
        var sources = new Dictionary<CompiledPolicy, (string Id, string Type)>(ReferenceEqualityComparer.Instance);
        var identity = new List<CompiledPolicy>();
        if (entity is not null)
        {
            foreach (var policy in entity.Policies.IdentityPolicies)
            {
                identity.Add(policy);
                sources[policy] = SourceOf(policy);
            }
        }

        var inputs = InputPolicies(call, PolicyInputList, PolicyKind.Identity);
        if (entity is null && inputs.Count == 0)
        {
            throw IamErrors.InvalidInput("PolicyInputList must contain at least one policy.");
        }

        foreach (var input in inputs)
        {
            identity.Add(input.Policy);
            sources[input.Policy] = (input.SourceId, input.SourceType);
        }

        var boundaries = InputPolicies(call, BoundaryInputList, PolicyKind.Identity);
        if (boundaries.Count > 1)
        {
            throw IamErrors.InvalidInput("PermissionsBoundaryPolicyInputList can contain only one policy.");
        }

        var boundary = boundaries.Count == 1 ? boundaries[0].Policy : entity?.Policies.PermissionsBoundary;
        if (boundaries.Count == 1)
        {
            sources[boundary!] = (boundaries[0].SourceId, "none");
        }
        else if (boundary is not null)
        {
            sources[boundary] = SourceOf(boundary);
        }

        CompiledPolicy? resourcePolicy = null;
        if (request.Get("ResourcePolicy") is { } resourceDocument)
        {
            resourcePolicy = ParseInput(resourceDocument, PolicyKind.Resource, "ResourcePolicy");
            sources[resourcePolicy] = ("ResourcePolicy", "resource");
        }

        var set = new PolicySet { IdentityPolicies = identity, PermissionsBoundary = boundary, ResourcePolicy = resourcePolicy };

        // The simulated caller: CallerArn (an IAM user), else the source entity.
        var callerArn = request.Get("CallerArn");
        PrincipalInfo caller;
        if (callerArn is not null)
        {
            var (callerAccount, _, _) = ParseEntityArn(callerArn, "CallerArn", usersOnly: true);
            caller = new PrincipalInfo(callerArn, callerAccount, Policy.PrincipalKind.User);
        }
        else if (entity is not null && (resourcePolicy is null || entity.Principal.Kind == Policy.PrincipalKind.User))
        {
            caller = entity.Principal;
        }
        else if (resourcePolicy is not null)
        {
            throw IamErrors.InvalidInput("CallerArn is required when a ResourcePolicy is simulated and PolicySourceArn is not an IAM user.");
        }
        else
        {
            caller = new PrincipalInfo($"arn:aws:iam::{_store.AccountId}:user/", _store.AccountId, Policy.PrincipalKind.User);
        }

        var owner = request.Get("ResourceOwner") is { } ownerText ? OwnerAccount(ownerText) : null;
        var contextKeys = ContextEntries(call);

        // Every (action, resource) pair, action-major, then one page of them.
        var pairs = new List<(string Action, string Resource)>(actions.Count * resources.Count);
        foreach (var action in actions)
        {
            foreach (var resource in resources)
            {
                pairs.Add((action, resource));
            }
        }

        var start = SimulationMarker(request.Get("Marker"), pairs.Count);
        var maxItems = MaxItems(call);
        var end = Math.Min(pairs.Count, start + maxItems);
        var now = _time.GetUtcNow();
        var w = call.Writer;
        w.Start("EvaluationResults");
        for (var i = start; i < end; i++)
        {
            var (action, resource) = pairs[i];
            var context = new RequestContext(caller, action, resource, now)
            {
                ResourceAccountId = (ResourceArnAccount(resource) ?? owner) is { } account && account != caller.AccountId ? account : null,
            };
            if (entity is not null)
            {
                foreach (var (key, values) in entity.PrincipalKeys)
                {
                    context.Set(key, values);
                }
            }

            foreach (var (key, values) in contextKeys)
            {
                context.Set(key, values);
            }

            var trace = new EvaluationTrace();
            var decision = PolicyEvaluator.Evaluate(context, set, trace);
            var crossAccount = context.ResourceAccountId is not null;
            WriteEvaluationResult(w, action, resource, decision, trace, sources, specificResources, crossAccount, resourcePolicy is not null);
        }

        w.End();
        w.Element("IsTruncated", end < pairs.Count);
        if (end < pairs.Count)
        {
            w.Element("Marker", Convert.ToBase64String(Encoding.UTF8.GetBytes("simulation:" + end.ToString(CultureInfo.InvariantCulture))));
        }
    }

    private static void WriteEvaluationResult(QueryXmlWriter w, string action, string resource, AuthorizationDecision decision, EvaluationTrace trace,
        Dictionary<CompiledPolicy, (string Id, string Type)> sources, bool specificResource, bool crossAccount, bool withResourcePolicy)
    {
        // An explicit deny is reported by its deny statements only (AWS: "the deny statement is the only entry").
        var matched = decision.Decision == EvaluationDecision.ExplicitDeny
            ? trace.MatchedStatements.Where(s => s.Effect == PolicyEffect.Deny).ToList()
            : trace.MatchedStatements;
        w.Start("member");
        w.Element("EvalActionName", action);
        w.Element("EvalResourceName", resource);
        w.Element("EvalDecision", decision.EvalDecisionText);
        WriteStatements(w, matched, sources);
        w.StringList("MissingContextValues", specificResource ? Array.Empty<string>() : (IEnumerable<string>)trace.MissingContextValues);
        WriteDetails(w, trace, specificResource, crossAccount, withResourcePolicy);
        if (specificResource)
        {
            w.Start("ResourceSpecificResults").Start("member");
            w.Element("EvalResourceName", resource);
            w.Element("EvalResourceDecision", decision.EvalDecisionText);
            WriteStatements(w, matched, sources);
            w.StringList("MissingContextValues", trace.MissingContextValues);
            WriteDetails(w, trace, specificResource, crossAccount, withResourcePolicy);
            w.End().End();
        }

        w.End();
    }

    private static void WriteStatements(QueryXmlWriter w, IReadOnlyList<MatchedStatement> statements, Dictionary<CompiledPolicy, (string Id, string Type)> sources)
    {
        w.Start("MatchedStatements");
        foreach (var statement in statements)
        {
            var (id, type) = statement.Policy is { } policy && sources.TryGetValue(policy, out var source) ? source : (statement.PolicyId, "none");
            w.Start("member");
            w.Element("SourcePolicyId", id);
            w.Element("SourcePolicyType", type);
            w.Start("StartPosition").Element("Line", statement.StartPosition.Line).Element("Column", statement.StartPosition.Column).End();
            w.Start("EndPosition").Element("Line", statement.EndPosition.Line).Element("Column", statement.EndPosition.Column).End();
            w.End();
        }

        w.End();
    }

    private static void WriteDetails(QueryXmlWriter w, EvaluationTrace trace, bool specificResource, bool crossAccount,
        bool withResourcePolicy)
    {
        if (trace.AllowedByPermissionsBoundary is { } allowedByBoundary)
        {
            w.Start("PermissionsBoundaryDecisionDetail").Element("AllowedByPermissionsBoundary", allowedByBoundary).End();
        }

        // Per policy type: filled for cross-account simulations and when a resource policy takes part;
        // present and empty for another specific resource; absent for "*" (as AWS documents it).
        if (crossAccount || withResourcePolicy)
        {
            w.Start("EvalDecisionDetails");
            WriteEntry(w, "IAM Policy", Text(trace.IdentityDecision));
            if (trace.ResourceDecision is { } resourceDecision)
            {
                WriteEntry(w, "Resource Policy", Text(resourceDecision));
            }

            w.End();
        }
        else if (specificResource)
        {
            w.Start("EvalDecisionDetails").End();
        }

        static void WriteEntry(QueryXmlWriter w, string key, string value) =>
            w.Start("entry").Element("key", key).Element("value", value).End();

        static string Text(EvaluationDecision d) => new AuthorizationDecision(d, PolicyType.None).EvalDecisionText;
    }

    /// <summary>ResourceOwner: a 12-digit account id or arn:aws:iam::ACCOUNT:root.</summary>
    private static string OwnerAccount(string owner)
    {
        var account = owner.StartsWith("arn:aws:iam::", StringComparison.Ordinal) && owner.EndsWith(":root", StringComparison.Ordinal)
            ? owner["arn:aws:iam::".Length..^":root".Length]
            : owner;
        return account.Length == 12 && account.All(char.IsAsciiDigit)
            ? account
            : throw IamErrors.InvalidInput($"Invalid ResourceOwner {owner}: an account id or arn:aws:iam::ACCOUNT:root.");
    }

    /// <summary>The 12-digit account of an ARN's account field, or null when the ARN has none (e.g. S3 buckets).</summary>
    private static string? ResourceArnAccount(string arn)
    {
        var parts = arn.Split(':', 6);
        return parts.Length == 6 && parts[4].Length == 12 && parts[4].All(char.IsAsciiDigit) ? parts[4] : null;
    }

    private static int SimulationMarker(string? marker, int count)
    {
        if (marker is null)
        {
            return 0;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(marker));
            if (text.StartsWith("simulation:", StringComparison.Ordinal) &&
                int.TryParse(text.AsSpan("simulation:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index <= count)
            {
                return index;
            }
        }
        catch (FormatException)
        {
        }

        throw IamErrors.InvalidInput("Invalid Marker.");
    }

    /// <summary>
    /// ContextEntries as context keys: each value checked against its ContextKeyType (single-valued
    /// types take one value); booleans normalised to true/false.
    /// </summary>
    private static List<KeyValuePair<string, string[]>> ContextEntries(Call call)
    {
        var request = call.Request;
        var entries = request.GetStructureList("ContextEntries", ["ContextKeyName", "ContextKeyType", "ContextKeyValues", "ContextKeyValues.member.1"],
            prefix => (Name: request.Get(prefix + "ContextKeyName"), Type: request.Get(prefix + "ContextKeyType"),
                Values: request.GetList(prefix + "ContextKeyValues"), Index: prefix));
        var keys = new List<KeyValuePair<string, string[]>>(entries.Count);
        var position = 0;
        foreach (var (name, type, values, _) in entries)
        {
            position++;
            if (type is not null && !ContextKeyTypes.Contains(type, StringComparer.Ordinal))
            {
                throw IamErrors.Validation(
                    $"1 validation error detected: Value '{type}' at 'contextEntries.{position}.member.contextKeyType' failed to satisfy constraint: " +
                    $"Member must satisfy enum value set: [{string.Join(", ", ContextKeyTypes)}]");
            }

            if (string.IsNullOrEmpty(name) || type is null)
            {
                throw IamErrors.InvalidInput($"Context entry {position} must name a ContextKeyName and a ContextKeyType.");
            }

            if (name.Length is < 5 or > 256)
            {
                throw IamErrors.Validation(
                    $"1 validation error detected: Value '{name}' at 'contextEntries.{position}.member.contextKeyName' failed to satisfy constraint: " +
                    $"Member must have length {(name.Length < 5 ? "greater than or equal to 5" : "less than or equal to 256")}");
            }

            var list = type.EndsWith("List", StringComparison.Ordinal);
            if (!list && values.Count != 1)
            {
                throw IamErrors.InvalidInput($"Context key {name} of type {type} takes exactly one value.");
            }

            var baseType = list ? type[..^"List".Length] : type;
            var converted = new string[values.Count];
            for (var i = 0; i < values.Count; i++)
            {
                converted[i] = ContextValue(name, baseType, values[i]);
            }

            keys.Add(new(name, converted));
        }

        return keys;
    }

    private static string ContextValue(string name, string type, string value)
    {
        var valid = type switch
        {
            "numeric" => decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            "boolean" => bool.TryParse(value, out _),
            "ip" => IPAddress.TryParse(value.Split('/')[0], out _),
            "binary" => IsBase64(value),
            "date" => DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)
                || long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            _ => true,
        };
        if (!valid)
        {
            throw IamErrors.InvalidInput($"Invalid value {value} for context key {name} of type {type}.");
        }

        return type == "boolean" ? value.ToLowerInvariant() : value;

        static bool IsBase64(string text)
        {
            var buffer = new byte[text.Length];
            return Convert.TryFromBase64String(text, buffer, out _);
        }
    }
}
