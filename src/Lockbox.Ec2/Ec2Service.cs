using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Lockbox.Common;
using Lockbox.Ec2.Instances;
using Lockbox.Ec2.Metadata;
using Lockbox.Iam;
using Lockbox.Protocols.Query;

namespace Lockbox.Ec2;

/// <summary>
/// The EC2 subset (protocol <c>ec2</c>, version 2016-11-15): instances as records with tags, a
/// state and an instance profile association, each with its own instance metadata service.
/// Each operation validates its parameters, describes itself to the authorizer (action
/// <c>ec2:&lt;Operation&gt;</c> on the instance ARNs, plus <c>iam:PassRole</c> on the role of a
/// profile it attaches, as in AWS) before it changes anything, then answers in EC2's XML.
/// </summary>
/// <remarks>
/// Lockbox extension: each instance of a DescribeInstances answer carries
/// <c>&lt;lockboxMetadataEndpoint&gt;</c>, the URL of its metadata service (SDKs ignore unknown
/// elements). <c>lockbox exec</c> and <c>lockbox instances</c> read it, so only a caller allowed
/// <c>ec2:DescribeInstances</c> learns where an instance's credentials are served.
/// </remarks>
public sealed partial class Ec2Service : IQueryService, IQueryErrorShape, IAsyncDisposable
{
    /// <summary>The EC2 API version.</summary>
    public const string ApiVersion = "2016-11-15";

    /// <summary>The XML namespace of EC2 answers.</summary>
    public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /// <summary>Default image id when RunInstances names none.</summary>
    public const string DefaultImageId = "ami-00000000000000000";

    /// <summary>Default instance type (EC2's documented default, m1.small).</summary>
    public const string DefaultInstanceType = "m1.small";

    /// <summary>How many instances (not terminated) the account may have; one loopback listener each.</summary>
    public const int InstanceLimit = 64;

    private readonly InstanceStore _store;
    private readonly IdentityStore _identity;
    private readonly IRequestAuthorizer _authorizer;
    private readonly InstanceMetadataService _metadata;
    private readonly TimeProvider _time;
    private readonly Ec2Options _options;
    private readonly string _accountId;

    /// <summary>Creates the service over <paramref name="store"/>; <paramref name="metadata"/> is owned (disposed) by it.</summary>
    public Ec2Service(InstanceStore store, IdentityStore identity, IRequestAuthorizer authorizer, InstanceMetadataService metadata,
        TimeProvider time, Ec2Options options)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _store = store;
        _identity = identity;
        _authorizer = authorizer;
        _metadata = metadata;
        _time = time;
        _options = options;
        _accountId = identity.AccountId;
    }

    /// <summary>Every operation this service offers.</summary>
    public static IReadOnlyList<string> Operations { get; } =
    [
        "RunInstances", "DescribeInstances", "TerminateInstances",
        "AssociateIamInstanceProfile", "DisassociateIamInstanceProfile", "ReplaceIamInstanceProfileAssociation",
        "DescribeIamInstanceProfileAssociations", "ModifyInstanceMetadataOptions",
    ];

    private static readonly HashSet<string> s_operations = new(Operations, StringComparer.Ordinal);

    /// <inheritdoc />
    public string SigningName => "ec2";

    /// <inheritdoc />
    public string Version => ApiVersion;

    /// <inheritdoc />
    public string XmlNamespace => Namespace;

    /// <summary>The instance records.</summary>
    public InstanceStore Store => _store;

    /// <summary>The metadata listeners.</summary>
    public InstanceMetadataService Metadata => _metadata;

    /// <inheritdoc />
    public bool HasOperation(string action) => s_operations.Contains(action);

    /// <inheritdoc />
    public int WriteError(AwsServiceException error, string requestId, IBufferWriter<byte> output) => Ec2Errors.Write(error, requestId, output);

    /// <inheritdoc />
    public async ValueTask InvokeAsync(string action, QueryRequest request, CallerContext caller, IBufferWriter<byte> response,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(response);
        var xml = new Ec2Xml(action, caller.RequestId);
        var call = new Call(request, caller, xml);
        switch (action)
        {
            case "RunInstances": await RunInstancesAsync(call, cancellationToken); break;
            case "DescribeInstances": DescribeInstances(call); break;
            case "TerminateInstances": await TerminateInstancesAsync(call); break;
            case "AssociateIamInstanceProfile": AssociateIamInstanceProfile(call); break;
            case "DisassociateIamInstanceProfile": DisassociateIamInstanceProfile(call); break;
            case "ReplaceIamInstanceProfileAssociation": ReplaceIamInstanceProfileAssociation(call); break;
            case "DescribeIamInstanceProfileAssociations": DescribeIamInstanceProfileAssociations(call); break;
            case "ModifyInstanceMetadataOptions": ModifyInstanceMetadataOptions(call); break;
            default: throw QueryErrors.InvalidAction(action, request.Version ?? ApiVersion);
        }

        xml.Finish(response);
    }

    /// <summary>Stops the metadata listeners.</summary>
    public ValueTask DisposeAsync() => _metadata.DisposeAsync();

    private sealed record Call(QueryRequest Request, CallerContext Caller, Ec2Xml Xml);

    private string InstanceArn(string region, string instanceId) => $"arn:aws:ec2:{region}:{_accountId}:instance/{instanceId}";

    private void Authorize(Call call, string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? conditions = null) =>
        _authorizer.Authorize(call.Caller, new AuthorizationRequest(action, resourceArn, conditions));

    private static void CheckDryRun(Call call)
    {
        if (ReadBool(call.Request, "DryRun") == true)
        {
            throw Ec2Errors.DryRun();
        }
    }

    // ---- parameter helpers (EC2 flattens lists as Name.N, structures as Name.Member) ----

    private static List<string> ReadList(QueryRequest request, string name)
    {
        var list = new List<string>();
        for (var i = 1; request.Get(string.Create(CultureInfo.InvariantCulture, $"{name}.{i}")) is { } value; i++)
        {
            list.Add(value);
        }

        return list;
    }

    private static bool? ReadBool(QueryRequest request, string name)
    {
        var text = request.Get(name);
        if (text is null)
        {
            return null;
        }

        return bool.TryParse(text, out var value)
            ? value
            : throw Ec2Errors.InvalidParameterValue($"Value ({text}) for parameter {char.ToLowerInvariant(name[0])}{name[1..]} is invalid. Expected: 'true' or 'false'.");
    }

    private static int? ReadInt(QueryRequest request, string name)
    {
        var text = request.Get(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Ec2Errors.InvalidParameterValue($"Invalid value '{text}' for {char.ToLowerInvariant(name[0])}{name[1..]}. ");
    }

    private static string Required(QueryRequest request, string name) =>
        request.Get(name) is { Length: > 0 } value ? value : throw Ec2Errors.MissingParameter(name);

    /// <summary>EC2 filters: <c>Filter.N.Name</c>, <c>Filter.N.Value.M</c>.</summary>
    private static List<(string Name, List<string> Values)> ReadFilters(QueryRequest request)
    {
        var filters = new List<(string, List<string>)>();
        for (var i = 1; ; i++)
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"Filter.{i}.");
            var name = request.Get(prefix + "Name");
            if (name is null)
            {
                if (request.Values.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    throw Ec2Errors.InvalidParameterValue("The filter 'null' is invalid");
                }

                return filters;
            }

            filters.Add((name, ReadList(request, prefix + "Value")));
        }
    }

    /// <summary>EC2 filter values match with <c>*</c> (any run) and <c>?</c> (one character), case-sensitively.</summary>
    private static bool Matches(List<string> patterns, string? value)
    {
        if (value is null)
        {
            return false;
        }

        foreach (var pattern in patterns)
        {
            if (pattern.IndexOfAny(['*', '?']) < 0 ? pattern == value : Glob(pattern).IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }

    private static Regex Glob(string pattern)
    {
        var text = new StringBuilder("^");
        foreach (var c in pattern)
        {
            text.Append(c switch { '*' => ".*", '?' => ".", _ => Regex.Escape(c.ToString()) });
        }

        return new Regex(text.Append('$').ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    [GeneratedRegex("^i-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex InstanceIdPattern();

    [GeneratedRegex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex ImageIdPattern();

    [GeneratedRegex("^iip-assoc-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex AssociationIdPattern();

    private static void CheckInstanceIds(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            if (!InstanceIdPattern().IsMatch(id))
            {
                throw Ec2Errors.InstanceMalformed(id);
            }
        }
    }

    /// <summary>MaxResults/NextToken paging over <paramref name="items"/> (ordered by <paramref name="keyOf"/>).</summary>
    private static (List<T> Page, string? NextToken) Page<T>(IReadOnlyList<T> items, Func<T, string> keyOf, int? maxResults, string? nextToken,
        int min, int max)
    {
        if (maxResults is { } requested && (requested < min || requested > max))
        {
            throw Ec2Errors.InvalidParameterValue(
                $"Value ( {requested} ) for parameter maxResults is invalid. Expecting a value between {min} and {max}.");
        }

        var start = 0;
        if (nextToken is not null)
        {
            string after;
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(nextToken));
            }
            catch (FormatException)
            {
                throw Ec2Errors.Error("InvalidParameterValue", $"Invalid value '{nextToken}' for nextToken.");
            }

            while (start < items.Count && string.CompareOrdinal(keyOf(items[start]), after) <= 0)
            {
                start++;
            }
        }

        var size = maxResults ?? int.MaxValue;
        var page = items.Skip(start).Take(size).ToList();
        var more = start + page.Count < items.Count;
        return (page, more && page.Count > 0 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(keyOf(page[^1]))) : null);
    }
}
