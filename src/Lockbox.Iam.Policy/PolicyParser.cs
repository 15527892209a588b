using System.Text.Json;

namespace Lockbox.Iam.Policy;

/// <summary>Which kind of policy a document is; decides the Principal and Resource rules.</summary>
public enum PolicyKind
{
    /// <summary>
    /// Identity-based policies (inline and managed), permissions boundaries and session policies:
    /// Principal/NotPrincipal are refused, Resource/NotResource required.
    /// </summary>
    Identity,

    /// <summary>Resource-based policies (table, stream policies): Principal/NotPrincipal and Resource required.</summary>
    Resource,

    /// <summary>Role trust policies: Principal required, Resource/NotResource refused, only sts:AssumeRole* actions.</summary>
    Trust,
}

/// <summary>
/// Parses and validates policy documents the way IAM does, throwing
/// <see cref="MalformedPolicyDocumentException"/> with IAM's message for the first problem found.
/// </summary>
/// <remarks>
/// Checks run in IAM's order: JSON syntax and element shapes ("Syntax errors in policy."), the
/// principal rule of the policy kind, the version rule, legacy parsing (exact Effect casing, date
/// values, ARN shape), Sid uniqueness, actions present, resources present, resource ARN format,
/// action vendor prefixes, condition key prefixes, Sid characters, principal identifiers.
/// Element names are case-sensitive ("effect" is a syntax error); duplicate JSON member names
/// are refused as a syntax error (a policy must never mean two things). Size limits are the
/// IAM API's business, not the parser's.
/// </remarks>
public static class PolicyParser
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
        MaxDepth = 64,
    };

    private static readonly string[] PrincipalTypes = ["AWS", "Service", "Federated", "CanonicalUser"];

    private static readonly string[] TrustActions =
    [
        "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:TagSession",
        "sts:SetSourceIdentity", "sts:SetContext",
    ];

    private static readonly string[] IamResourceTypes =
    [
        "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/",
        "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/",
    ];

    /// <summary>Parses and validates <paramref name="json"/> as a policy of the given kind.</summary>
    /// <param name="json">The policy document text.</param>
    /// <param name="kind">Identity (incl. boundaries and session policies), resource or trust.</param>
    /// <param name="requireVersion2012">True for managed policies (CreatePolicy, CreatePolicyVersion),
    /// which IAM refuses without Version 2012-10-17; inline policies accept 2008-10-17 or no Version.</param>
    /// <exception cref="MalformedPolicyDocumentException">The document is not a valid policy.</exception>
    public static PolicyDocument Parse(string json, PolicyKind kind, bool requireVersion2012 = false)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new MalformedPolicyDocumentException(PolicyErrors.SyntaxErrors, e);
        }

        using (document)
        {
            return Validate(ReadSyntax(document.RootElement, kind), kind, requireVersion2012, json);
        }
    }

    /// <summary>
    /// The opening and closing brace of every statement object, in document order, as 1-based
    /// line/column positions of <paramref name="json"/> (already known to be valid JSON).
    /// </summary>
    private static List<(PolicyPosition Start, PolicyPosition End)> StatementPositions(string json)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        var offsets = new List<(long Start, long End)>();
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        var statementDepth = -1;
        long start = -1;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1 && reader.ValueTextEquals("Statement"u8):
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        statementDepth = 1;
                        start = reader.TokenStartIndex;
                    }
                    else if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        statementDepth = 2;
                    }

                    break;
                case JsonTokenType.StartObject when reader.CurrentDepth == statementDepth && statementDepth == 2:
                    start = reader.TokenStartIndex;
                    break;
                case JsonTokenType.EndObject when reader.CurrentDepth == statementDepth && start >= 0:
                    offsets.Add((start, reader.TokenStartIndex));
                    start = -1;
                    if (statementDepth == 1)
                    {
                        statementDepth = -1;
                    }

                    break;
                case JsonTokenType.EndArray when reader.CurrentDepth == 1 && statementDepth == 2:
                    statementDepth = -1;
                    break;
            }
        }

        // Byte offsets to line/column: columns count characters (UTF-8 continuation bytes do not start one).
        var positions = new List<(PolicyPosition, PolicyPosition)>(offsets.Count);
        int line = 1, column = 1, next = 0;
        long index = 0;
        PolicyPosition pending = default;
        var wantEnd = false;
        while (next < offsets.Count && index < bytes.Length)
        {
            var target = wantEnd ? offsets[next].End : offsets[next].Start;
            if (index == target)
            {
                var here = new PolicyPosition(line, column);
                if (wantEnd)
                {
                    positions.Add((pending, here));
                    next++;
                }
                else
                {
                    pending = here;
                }

                wantEnd = !wantEnd;
                continue;
            }

            var b = bytes[index++];
            if (b == (byte)'\n')
            {
                line++;
                column = 1;
            }
            else if ((b & 0xC0) != 0x80)
            {
                column++;
            }
        }

        return positions;
    }

    /// <summary>Like <see cref="Parse"/>, reporting the error message instead of throwing.</summary>
    public static bool TryParse(string json, PolicyKind kind, out PolicyDocument? document, out string? error, bool requireVersion2012 = false)
    {
        try
        {
            document = Parse(json, kind, requireVersion2012);
            error = null;
            return true;
        }
        catch (MalformedPolicyDocumentException e)
        {
            document = null;
            error = e.Message;
            return false;
        }
    }

    // ---- Stage 1: shapes ("Syntax errors in policy.") ----

    private sealed class RawDocument
    {
        public string? Version;
        public string? Id;
        public List<RawStatement> Statements = [];
    }

    private sealed class RawStatement
    {
        public string? Sid;
        public bool HasSid;
        public string? Effect;
        public PolicyPrincipal? Principal;
        public bool IsNotPrincipal;
        public List<string>? Actions;
        public bool IsNotAction;
        public List<string>? Resources;
        public bool IsNotResource;
        public string? ResourceElementName;
        public List<PolicyCondition> Conditions = [];
    }

    private static MalformedPolicyDocumentException Syntax() => new(PolicyErrors.SyntaxErrors);

    private static RawDocument ReadSyntax(JsonElement root, PolicyKind kind)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Syntax();
        }

        var raw = new RawDocument();
        JsonElement? statement = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "Version":
                    raw.Version = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : throw Syntax();
                    if (raw.Version is not ("2008-10-17" or "2012-10-17"))
                    {
                        throw Syntax();
                    }

                    break;
                case "Id":
                    raw.Id = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : throw Syntax();
                    break;
                case "Statement":
                    statement = property.Value;
                    break;
                default:
                    throw kind == PolicyKind.Resource
                        ? new MalformedPolicyDocumentException(PolicyErrors.UnknownField(property.Name))
                        : Syntax();
            }
        }

        if (statement is not { } statements)
        {
            throw kind == PolicyKind.Resource
                ? new MalformedPolicyDocumentException(PolicyErrors.MissingRequiredField("Statement"))
                : Syntax();
        }

        if (statements.ValueKind == JsonValueKind.Object)
        {
            raw.Statements.Add(ReadStatement(statements, kind));
        }
        else if (statements.ValueKind == JsonValueKind.Array && statements.GetArrayLength() > 0)
        {
            foreach (var element in statements.EnumerateArray())
            {
                raw.Statements.Add(ReadStatement(element, kind));
            }
        }
        else
        {
            throw Syntax();
        }

        return raw;
    }

    private static RawStatement ReadStatement(JsonElement element, PolicyKind kind)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Syntax();
        }

        var s = new RawStatement();
        bool hasPrincipal = false, hasNotPrincipal = false, hasAction = false, hasNotAction = false, hasResource = false, hasNotResource = false;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "Sid":
                    s.Sid = value.ValueKind == JsonValueKind.String ? value.GetString() : throw Syntax();
                    s.HasSid = true;
                    break;
                case "Effect":
                    s.Effect = value.ValueKind == JsonValueKind.String ? value.GetString() : throw Syntax();
                    break;
                case "Principal":
                    hasPrincipal = true;
                    s.Principal = ReadPrincipal(value);
                    break;
                case "NotPrincipal":
                    hasNotPrincipal = true;
                    s.Principal = ReadPrincipal(value);
                    s.IsNotPrincipal = true;
                    break;
                case "Action":
                    hasAction = true;
                    s.Actions = ReadStringOrArray(value);
                    break;
                case "NotAction":
                    hasNotAction = true;
                    s.Actions = ReadStringOrArray(value);
                    s.IsNotAction = true;
                    break;
                case "Resource":
                    hasResource = true;
                    s.Resources = ReadStringOrArray(value);
                    s.ResourceElementName = "Resource";
                    break;
                case "NotResource":
                    hasNotResource = true;
                    s.Resources = ReadStringOrArray(value);
                    s.IsNotResource = true;
                    s.ResourceElementName = "NotResource";
                    break;
                case "Condition":
                    ReadConditions(value, s.Conditions);
                    break;
                default:
                    throw kind == PolicyKind.Resource
                        ? new MalformedPolicyDocumentException(PolicyErrors.UnknownField(property.Name))
                        : Syntax();
            }
        }

        if ((hasPrincipal && hasNotPrincipal) || (hasAction && hasNotAction) || (hasResource && hasNotResource))
        {
            throw Syntax();
        }

        if (s.Effect is null)
        {
            throw kind == PolicyKind.Resource
                ? new MalformedPolicyDocumentException(PolicyErrors.MissingRequiredField("Effect"))
                : Syntax();
        }

        if (!s.Effect.Equals("Allow", StringComparison.OrdinalIgnoreCase) && !s.Effect.Equals("Deny", StringComparison.OrdinalIgnoreCase))
        {
            throw Syntax();
        }

        return s;
    }

    private static List<string> ReadStringOrArray(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Syntax();
        }

        var list = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Syntax());
        }

        return list;
    }

    private static PolicyPrincipal ReadPrincipal(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString() == "*" ? new PolicyPrincipal(true, []) : throw Syntax();
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Syntax();
        }

        var entries = new List<KeyValuePair<string, string>>();
        foreach (var property in value.EnumerateObject())
        {
            if (Array.IndexOf(PrincipalTypes, property.Name) < 0)
            {
                throw Syntax();
            }

            foreach (var identifier in ReadStringOrArray(property.Value))
            {
                entries.Add(new(property.Name, identifier));
            }
        }

        return new PolicyPrincipal(false, entries);
    }

    private static void ReadConditions(JsonElement value, List<PolicyCondition> conditions)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Syntax();
        }

        foreach (var block in value.EnumerateObject())
        {
            if (block.Value.ValueKind != JsonValueKind.Object)
            {
                throw Syntax();
            }

            var known = TryParseOperator(block.Name, out var op, out var qualifier, out var ifExists);
            foreach (var entry in block.Value.EnumerateObject())
            {
                var values = ReadConditionValues(entry.Value);
                if (!known)
                {
                    // IAM tolerates an unknown operator only with an empty body.
                    throw Syntax();
                }

                conditions.Add(new PolicyCondition(block.Name, op, qualifier, ifExists, entry.Name, values));
            }
        }
    }

    private static List<string> ReadConditionValues(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                var list = new List<string>(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    list.Add(ScalarText(item));
                }

                return list;
            default:
                return [ScalarText(value)];
        }
    }

    private static string ScalarText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw Syntax(),
    };

    /// <summary>
    /// Splits an operator such as <c>ForAllValues:StringLikeIfExists</c>. Operator names are
    /// case-sensitive, as IAM's grammar lists them; Null takes no IfExists.
    /// </summary>
    internal static bool TryParseOperator(string text, out ConditionOperator op, out SetQualifier qualifier, out bool ifExists)
    {
        var name = text.AsSpan();
        qualifier = SetQualifier.None;
        ifExists = false;
        op = default;
        if (name.StartsWith("ForAllValues:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAllValues;
            name = name["ForAllValues:".Length..];
        }
        else if (name.StartsWith("ForAnyValue:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAnyValue;
            name = name["ForAnyValue:".Length..];
        }

        if (name.EndsWith("IfExists", StringComparison.Ordinal))
        {
            ifExists = true;
            name = name[..^"IfExists".Length];
        }

        // Enum.TryParse also takes numbers, surrounding spaces and comma lists: insist on the exact name.
        if (!Enum.TryParse(name, ignoreCase: false, out op) || !name.SequenceEqual(op.ToString()))
        {
            return false;
        }

        return !(op == ConditionOperator.Null && ifExists);
    }

    // ---- Stage 2: semantics ----

    private static PolicyDocument Validate(RawDocument raw, PolicyKind kind, bool requireVersion2012, string json)
    {
        foreach (var s in raw.Statements)
        {
            if (kind == PolicyKind.Identity && s.Principal is not null)
            {
                throw new MalformedPolicyDocumentException(PolicyErrors.PrincipalNotAllowed);
            }

            if (kind == PolicyKind.Trust && s.ResourceElementName is not null)
            {
                throw new MalformedPolicyDocumentException(PolicyErrors.ProhibitedField(s.ResourceElementName));
            }

            if (kind != PolicyKind.Identity && s.Principal is null)
            {
                throw new MalformedPolicyDocumentException(PolicyErrors.MissingRequiredField("Principal"));
            }
        }

        if (requireVersion2012 && raw.Version != "2012-10-17")
        {
            throw new MalformedPolicyDocumentException(PolicyErrors.VersionTooOld);
        }

        // Legacy parsing: exact Effect casing, parseable dates, ARN shape.
        foreach (var s in raw.Statements)
        {
            if (s.Effect is not ("Allow" or "Deny"))
            {
                throw new MalformedPolicyDocumentException(PolicyErrors.LegacyParsing);
            }

            foreach (var c in s.Conditions)
            {
                if (c.Operator is >= ConditionOperator.DateEquals and <= ConditionOperator.DateGreaterThanEquals)
                {
                    foreach (var v in c.Values)
                    {
                        if (!v.Contains("${", StringComparison.Ordinal) && !ConditionValues.TryParseDate(v, out _))
                        {
                            throw new MalformedPolicyDocumentException(PolicyErrors.LegacyParsing);
                        }
                    }
                }
            }
        }

        string? resourceError = null;
        foreach (var s in raw.Statements)
        {
            if (s.Resources is null)
            {
                continue;
            }

            // IAM reports the format error of the last resource in descending order first.
            foreach (var resource in s.Resources.OrderByDescending(r => r, StringComparer.Ordinal))
            {
                resourceError ??= ResourceFormatError(resource);
            }

            if (resourceError is null)
            {
                foreach (var resource in s.Resources)
                {
                    if (resource != "*" && ((resource.Count(c => c == ':') < 5 && resource.Contains("::", StringComparison.Ordinal)) || resource.Split(':') is not { Length: > 2 } split || split[2].Length == 0))
                    {
                        throw new MalformedPolicyDocumentException(PolicyErrors.LegacyParsing);
                    }
                }
            }
        }

        var sids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in raw.Statements)
        {
            if (!string.IsNullOrEmpty(s.Sid) && !sids.Add(s.Sid))
            {
                throw new MalformedPolicyDocumentException(PolicyErrors.DuplicateSid);
            }
        }

        foreach (var s in raw.Statements)
        {
            if (s.Actions is null || s.Actions.Count == 0)
            {
                throw new MalformedPolicyDocumentException(PolicyErrors.MissingActions);
            }
        }

        if (kind != PolicyKind.Trust)
        {
            foreach (var s in raw.Statements)
            {
                if (s.Resources is null || s.Resources.Count == 0)
                {
                    throw new MalformedPolicyDocumentException(PolicyErrors.MissingResources);
                }
            }
        }

        if (resourceError is not null)
        {
            throw new MalformedPolicyDocumentException(resourceError);
        }

        foreach (var s in raw.Statements)
        {
            foreach (var action in s.Actions!)
            {
                ValidateVendorPrefix(action);
            }

            foreach (var c in s.Conditions)
            {
                if (!c.Key.Contains(':', StringComparison.Ordinal))
                {
                    throw new MalformedPolicyDocumentException(PolicyErrors.MissingVendor);
                }
            }

            if (kind == PolicyKind.Trust && !s.IsNotAction)
            {
                foreach (var action in s.Actions!)
                {
                    if (!IsTrustAction(action))
                    {
                        throw new MalformedPolicyDocumentException(PolicyErrors.TrustPolicyActions);
                    }
                }
            }

            if (kind != PolicyKind.Resource && s.Sid is not null && !s.Sid.All(char.IsAsciiLetterOrDigit))
            {
                throw new MalformedPolicyDocumentException(PolicyErrors.SidNotAlphanumeric);
            }

            if (s.Principal is { IsWildcard: false } principal)
            {
                foreach (var (type, value) in principal.Entries)
                {
                    if (!IsValidPrincipal(type, value))
                    {
                        throw new MalformedPolicyDocumentException(PolicyErrors.InvalidPrincipal(type, value));
                    }
                }
            }
        }

        var statements = new PolicyStatement[raw.Statements.Count];
        var positions = StatementPositions(json);
        for (var i = 0; i < statements.Length; i++)
        {
            var s = raw.Statements[i];
            var (start, end) = i < positions.Count ? positions[i] : default;
            statements[i] = new PolicyStatement(i, s.Sid, s.Effect == "Allow" ? PolicyEffect.Allow : PolicyEffect.Deny,
                s.Principal, s.IsNotPrincipal, s.Actions!, s.IsNotAction, s.Resources, s.IsNotResource, s.Conditions)
            {
                StartPosition = start,
                EndPosition = end,
            };
        }

        return new PolicyDocument(raw.Version == "2012-10-17" ? PolicyVersion.V2012_10_17 : PolicyVersion.V2008_10_17,
            raw.Version is not null, raw.Id, statements);
    }

    private static void ValidateVendorPrefix(string action)
    {
        if (action == "*")
        {
            return;
        }

        var colon = action.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new MalformedPolicyDocumentException(PolicyErrors.MissingVendor);
        }

        if (action.IndexOf(':', colon + 1) >= 0)
        {
            throw new MalformedPolicyDocumentException(PolicyErrors.TooManyColons);
        }

        var vendor = action[..colon];
        if (vendor != "*" && !vendor.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '.'))
        {
            throw new MalformedPolicyDocumentException(PolicyErrors.InvalidVendor(vendor));
        }
    }

    private static bool IsTrustAction(string action)
    {
        if (action is "*" or "sts:*")
        {
            return true;
        }

        var pattern = PolicyPattern.Create(action, variables: false, wildcards: true, ignoreCase: true);
        return Array.Exists(TrustActions, a => pattern.IsMatch(a));
    }

    /// <summary>The first ARN-format problem of one Resource/NotResource entry, in IAM's words.</summary>
    private static string? ResourceFormatError(string resource)
    {
        if (resource == "*")
        {
            return null;
        }

        var first = resource.IndexOf(':', StringComparison.Ordinal);
        if (first < 0)
        {
            return PolicyErrors.ResourceNotArn(resource);
        }

        var rest = resource[(first + 1)..];
        var second = rest.IndexOf(':', StringComparison.Ordinal);
        var partition = second < 0 ? rest : rest[..second];
        if (partition is not ("aws" or "*"))
        {
            var remaining = second < 0 ? [""] : rest[(second + 1)..].Split(':');
            var arn1 = remaining[0].Length > 0 || remaining.Length > 1 ? remaining[0] : "*";
            var arn2 = remaining.Length > 1 ? remaining[1] : "*";
            var arn3 = remaining.Length > 2 ? remaining[2] : "*";
            var arn4 = remaining.Length > 3 ? string.Join(':', remaining[3..]) : "*";
            return PolicyErrors.InvalidPartition(partition, arn1, arn2, arn3, arn4);
        }

        if (second < 0)
        {
            return PolicyErrors.ResourceVendorNotQualified;
        }

        var afterPartition = rest[(second + 1)..];
        var third = afterPartition.IndexOf(':', StringComparison.Ordinal);
        var service = third < 0 ? afterPartition : afterPartition[..third];
        var afterService = third < 0 ? "" : afterPartition[(third + 1)..];
        if (service.Length == 0 || service.Contains('*', StringComparison.Ordinal) || service.Contains('?', StringComparison.Ordinal))
        {
            return PolicyErrors.ResourceVendorNotQualified;
        }

        if (service == "iam" && !afterService.StartsWith(':'))
        {
            return PolicyErrors.IamResourceWithRegion(resource);
        }

        if (service == "s3" && !afterService.StartsWith(':'))
        {
            return PolicyErrors.S3ResourceWithRegion(resource);
        }

        if (service == "iam")
        {
            // afterService = ":ACCOUNT:RESOURCE"
            var parts = afterService.Split(':', 3);
            var path = parts.Length > 2 ? parts[2] : "";
            if (path != "*" && !IamResourceTypes.Any(t => path.StartsWith(t, StringComparison.Ordinal)) && !path.Contains('*', StringComparison.Ordinal) && path != "root")
            {
                return PolicyErrors.IamResourcePath;
            }
        }

        return null;
    }

    private static bool IsValidPrincipal(string type, string value)
    {
        switch (type)
        {
            case "AWS":
                if (value == "*" || (value.Length == 12 && value.All(char.IsAsciiDigit)))
                {
                    return true;
                }

                var parts = value.Split(':', 6);
                return parts.Length == 6 && parts[0] == "arn" && parts[1] == "aws" && parts[2] is "iam" or "sts"
                    && parts[3].Length == 0 && parts[4].Length == 12 && parts[4].All(char.IsAsciiDigit)
                    && parts[5].Length > 0 && !parts[5].Contains('*', StringComparison.Ordinal);
            case "Service":
                return value.Length > 0 && !value.Contains('*', StringComparison.Ordinal) && !value.Contains(' ', StringComparison.Ordinal);
            default:
                return value.Length > 0;
        }
    }
}
