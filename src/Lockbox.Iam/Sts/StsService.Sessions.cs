using System.Globalization;
using Lockbox.Common;
using Lockbox.Iam.Policy;
using Lockbox.Protocols.Query;

namespace Lockbox.Iam.Sts;

/// <summary>AssumeRole and GetSessionToken.</summary>
public sealed partial class StsService
{
    /// <summary>Longest plain-text inline session policy (AWS: 2,048 characters).</summary>
    private const int MaxSessionPolicyLength = 2048;

    /// <summary>Most managed session policies (AWS: 10).</summary>
    private const int MaxPolicyArns = 10;

    /// <summary>Most session tags, including transitive ones from a chained session (AWS: 50).</summary>
    private const int MaxSessionTags = 50;

    /// <summary>Role chaining caps sessions at one hour.</summary>
    private const int ChainedMaxSeconds = 3600;

    /// <summary>
    /// The packed-size budget: AWS compresses session policies and tags into a binary format of
    /// undisclosed size; Lockbox counts their characters against this many (decided, see ARCHITECTURE.md).
    /// </summary>
    private const int PackedBudget = 4096;

    private void AssumeRole(CallerContext caller, QueryRequest request, QueryXmlWriter writer)
    {
        var principal = caller.Principal;
        if (principal.IsRoot)
        {
            throw StsErrors.AccessDenied("Roles may not be assumed by root accounts.");
        }

        var roleArn = request.Get("RoleArn")!;
        var sessionName = request.Get("RoleSessionName")!;
        var policy = request.Get("Policy");
        var policyArns = request.GetStructureList("PolicyArns", ["arn"], prefix => request.Get(prefix + "arn") ?? "");
        var tags = request.GetStructureList("Tags", ["Key", "Value"],
            prefix => new KeyValuePair<string, string>(request.Get(prefix + "Key") ?? "", request.Get(prefix + "Value") ?? ""));
        var transitive = request.GetList("TransitiveTagKeys");
        var externalId = request.Get("ExternalId");
        var sourceIdentity = request.Get("SourceIdentity");
        var callerSession = principal.Session;
        var chained = callerSession is { Kind: SessionKind.RoleSession };

        CheckSessionPolicies(policy, policyArns);
        CheckTags(tags, transitive, callerSession);
        var duration = Duration(request, "DurationSeconds", 3600);

        var now = _issuer.Now();
        var (mfaPresent, mfaTime) = VerifyMfa(request, principal, now, callerSession);

        if (callerSession?.SourceIdentity is { } inherited)
        {
            if (sourceIdentity is not null && !string.Equals(sourceIdentity, inherited, StringComparison.Ordinal))
            {
                throw StsErrors.AccessDenied("The source identity of a chained role session cannot be changed.");
            }

            sourceIdentity = inherited;
        }

        // Tags: transitive tags of the calling session pass on and cannot be overridden.
        var allTags = new List<KeyValuePair<string, string>>();
        var transitiveKeys = new List<string>();
        if (chained)
        {
            foreach (var key in callerSession!.TransitiveTagKeys)
            {
                var tag = callerSession.Tags.FirstOrDefault(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase));
                if (tag.Key is not null)
                {
                    if (tags.Any(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase)))
                    {
                        throw StsErrors.InvalidParameterValue(
                            $"One or more of the specified session tag keys are already set as transitive tags by the caller: {key}");
                    }

                    allTags.Add(tag);
                    transitiveKeys.Add(key);
                }
            }
        }

        allTags.AddRange(tags);
        transitiveKeys.AddRange(transitive.Where(k => !transitiveKeys.Contains(k, StringComparer.OrdinalIgnoreCase)));
        if (allTags.Count > MaxSessionTags)
        {
            throw StsErrors.PackedPolicyTooLarge("Packed policy consumes more than the allotted space: too many session tags.");
        }

        var packedPercent = PackedPercent(policy, policyArns, allTags);
        if (packedPercent > 100)
        {
            throw StsErrors.PackedPolicyTooLarge(string.Create(CultureInfo.InvariantCulture,
                $"Packed policy consumes {packedPercent}% of allotted space, please use smaller policy for this request."));
        }

        // Authorization: the caller's identity-based policies and the role's trust policy (AWS's
        // same-account rules), for sts:AssumeRole and, when used, sts:TagSession / sts:SetSourceIdentity.
        var role = _issuer.FindRole(roleArn);
        if (role is null)
        {
            throw new AccessDeniedError(principal.Arn, "sts:AssumeRole", roleArn,
                $"User: {principal.Arn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}");
        }

        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["sts:RoleSessionName"] = [sessionName],
        };
        if (externalId is not null)
        {
            keys["sts:ExternalId"] = [externalId];
        }

        if (sourceIdentity is not null)
        {
            keys["sts:SourceIdentity"] = [sourceIdentity];
        }

        if (mfaPresent && callerSession is null)
        {
            // MFA given with this very request (SerialNumber/TokenCode): authenticated just now.
            keys["aws:MultiFactorAuthPresent"] = ["true"];
            keys["aws:MultiFactorAuthAge"] = ["0"];
        }

        if (tags.Count > 0)
        {
            foreach (var (key, value) in tags)
            {
                keys["aws:RequestTag/" + key] = [value];
            }

            keys["aws:TagKeys"] = [.. tags.Select(t => t.Key)];
        }

        if (transitive.Count > 0)
        {
            keys["sts:TransitiveTagKeys"] = [.. transitive];
        }

        _authorizer.Authorize(caller, new AuthorizationRequest("sts:AssumeRole", role.Arn, keys) { TrustPolicy = role.TrustPolicy });
        if (tags.Count > 0 || transitive.Count > 0)
        {
            _authorizer.Authorize(caller, new AuthorizationRequest("sts:TagSession", role.Arn, keys) { TrustPolicy = role.TrustPolicy });
        }

        if (request.Get("SourceIdentity") is not null && callerSession?.SourceIdentity is null)
        {
            _authorizer.Authorize(caller, new AuthorizationRequest("sts:SetSourceIdentity", role.Arn, keys) { TrustPolicy = role.TrustPolicy });
        }

        if (chained && duration > ChainedMaxSeconds)
        {
            throw StsErrors.Validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
        }

        if (duration > role.MaxSessionDuration)
        {
            throw StsErrors.Validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        }

        var credentials = _issuer.IssueRoleSession(role, new SessionInfo
        {
            Kind = SessionKind.RoleSession,
            IssuedAt = now,
            Expiration = now.AddSeconds(duration),
            RoleId = role.Id,
            RoleArn = role.Arn,
            SessionName = sessionName,
            SourceArn = principal.Arn,
            SourceUserId = principal.UserId,
            SourceIdentity = sourceIdentity,
            MfaPresent = mfaPresent,
            MfaAuthTime = mfaTime,
            Policy = policy,
            PolicyArns = [.. policyArns],
            Tags = allTags,
            TransitiveTagKeys = transitiveKeys,
            Chained = chained,
        });

        writer.Element("SourceIdentity", sourceIdentity);
        writer.Start("AssumedRoleUser")
            .Element("AssumedRoleId", role.Id + ":" + sessionName)
            .Element("Arn", SessionTokenCodec.AssumedRoleArn(_issuer.AccountId, role.Name, sessionName))
            .End();
        WriteCredentials(writer, credentials);
        if (policy is not null || policyArns.Count > 0 || allTags.Count > 0)
        {
            writer.Element("PackedPolicySize", packedPercent);
        }
    }

    private void GetSessionToken(CallerContext caller, QueryRequest request, QueryXmlWriter writer)
    {
        var principal = caller.Principal;
        if (principal.Session is not null)
        {
            throw StsErrors.AccessDenied("Cannot call GetSessionToken with session credentials");
        }

        // Users: 900 s to 36 h, 12 h by default; root: at most (and by default) one hour.
        var duration = Duration(request, "DurationSeconds", principal.IsRoot ? 3600 : 43200);
        if (principal.IsRoot)
        {
            duration = Math.Min(duration, 3600);
        }

        var now = _issuer.Now();
        var (mfaPresent, mfaTime) = VerifyMfa(request, principal, now, callerSession: null);
        var session = new SessionInfo
        {
            Kind = principal.IsRoot ? SessionKind.RootSession : SessionKind.UserSession,
            IssuedAt = now,
            Expiration = now.AddSeconds(duration),
            SourceArn = principal.Arn,
            SourceUserId = principal.UserId,
            MfaPresent = mfaPresent,
            MfaAuthTime = mfaTime,
        };
        WriteCredentials(writer, _issuer.IssueSession(principal.UserId, principal.Arn, session));
    }

    /// <summary>
    /// SerialNumber + TokenCode: the code must be valid for that device of the caller (IAM users'
    /// virtual devices; a code works once). A chained session keeps its caller's MFA context.
    /// </summary>
    private (bool Present, DateTimeOffset? Time) VerifyMfa(QueryRequest request, Principal principal, DateTimeOffset now, SessionInfo? callerSession)
    {
        var serial = request.Get("SerialNumber");
        var code = request.Get("TokenCode");
        if (serial is null && code is null)
        {
            return callerSession is { MfaPresent: true } ? (true, callerSession.MfaAuthTime) : (false, null);
        }

        if (serial is null || code is null || principal.IsRoot ||
            !_issuer.Store.VerifyMfaCode(serial, code, now, principal.Session is null ? principal.UserId : callerSession?.SourceUserId))
        {
            throw StsErrors.AccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.");
        }

        return (true, now);
    }

    private static int Duration(QueryRequest request, string name, int fallback)
    {
        if (!request.TryGetInt(name, out var value))
        {
            throw StsErrors.Validation(
                $"1 validation error detected: Value '{request.Get(name)}' at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must be a number");
        }

        return value ?? fallback;
    }

    private static void CheckSessionPolicies(string? policy, IReadOnlyList<string> policyArns)
    {
        var errors = new List<string>();
        if (policy is not null && policy.Length > MaxSessionPolicyLength)
        {
            errors.Add($"Value '{policy}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to {MaxSessionPolicyLength}");
        }

        if (policyArns.Count > MaxPolicyArns)
        {
            errors.Add($"Value '[{string.Join(", ", policyArns.Select(a => "PolicyDescriptorType(arn=" + a + ")"))}]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to {MaxPolicyArns}");
        }

        for (var i = 0; i < policyArns.Count; i++)
        {
            if (policyArns[i].Length is < 20 or > 2048)
            {
                errors.Add($"Value '{policyArns[i]}' at 'policyArns.{i + 1}.member.arn' failed to satisfy constraint: Member must have length " +
                    (policyArns[i].Length < 20 ? "greater than or equal to 20" : "less than or equal to 2048"));
            }
        }

        if (errors.Count > 0)
        {
            throw StsErrors.Validation(errors);
        }

        if (policy is not null)
        {
            try
            {
                PolicyParser.Parse(policy, PolicyKind.Identity);
            }
            catch (MalformedPolicyDocumentException e)
            {
                throw StsErrors.MalformedPolicyDocument(e.Message);
            }
        }

        foreach (var arn in policyArns)
        {
            if (!arn.StartsWith("arn:", StringComparison.Ordinal) || arn.Split(':').Length < 6)
            {
                throw StsErrors.InvalidParameterValue($"The policy ARN {arn} is not a valid ARN.");
            }
        }
    }

    private static void CheckTags(IReadOnlyList<KeyValuePair<string, string>> tags, IReadOnlyList<string> transitive, SessionInfo? callerSession)
    {
        var errors = new List<string>();
        for (var i = 0; i < tags.Count; i++)
        {
            var (key, value) = tags[i];
            if (key.Length is < 1 or > 128)
            {
                errors.Add($"Value '{key}' at 'tags.{i + 1}.member.key' failed to satisfy constraint: Member must have length " +
                    (key.Length < 1 ? "greater than or equal to 1" : "less than or equal to 128"));
            }
            else if (!TagText(key))
            {
                errors.Add($"Value '{key}' at 'tags.{i + 1}.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]+");
            }

            if (value.Length > 256)
            {
                errors.Add($"Value '{value}' at 'tags.{i + 1}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256");
            }
            else if (value.Length > 0 && !TagText(value))
            {
                errors.Add($"Value '{value}' at 'tags.{i + 1}.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]*");
            }
        }

        if (errors.Count > 0)
        {
            throw StsErrors.Validation(errors);
        }

        if (tags.Select(t => t.Key).Distinct(StringComparer.OrdinalIgnoreCase).Count() != tags.Count)
        {
            throw StsErrors.InvalidParameterValue("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
        }

        foreach (var key in transitive)
        {
            if (!tags.Any(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase)) &&
                callerSession?.TransitiveTagKeys.Contains(key, StringComparer.OrdinalIgnoreCase) != true)
            {
                throw StsErrors.InvalidParameterValue($"The specified transitive tag key must be included in the requested tags: {key}");
            }
        }

        static bool TagText(string text)
        {
            foreach (var c in text)
            {
                if (!(char.IsLetterOrDigit(c) || char.IsSeparator(c) || c is '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@'))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Session policies and tags as a percentage of the packed budget (rounded up).</summary>
    private static int PackedPercent(string? policy, IReadOnlyList<string> policyArns, List<KeyValuePair<string, string>> tags)
    {
        var size = (policy is null ? 0 : MinifiedLength(policy)) + policyArns.Sum(a => a.Length) + tags.Sum(t => t.Key.Length + t.Value.Length);
        return (int)Math.Ceiling(size * 100.0 / PackedBudget);
    }

    /// <summary>The policy's length without insignificant whitespace (AWS packs the document, not its layout).</summary>
    private static int MinifiedLength(string policy)
    {
        var length = 0;
        var inString = false;
        var escaped = false;
        foreach (var c in policy)
        {
            if (inString)
            {
                length++;
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (!char.IsWhiteSpace(c))
            {
                length++;
                inString = c == '"';
            }
        }

        return length;
    }

    private static void WriteCredentials(QueryXmlWriter writer, TemporaryCredentials credentials) =>
        writer.Start("Credentials")
            .Element("AccessKeyId", credentials.AccessKeyId)
            .Element("SecretAccessKey", credentials.SecretAccessKey)
            .Element("SessionToken", credentials.SessionToken)
            .Element("Expiration", credentials.Expiration)
            .End();
}
