using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Lockbox.Iam;

/// <summary>
/// The AWS managed policies present in every account (<c>arn:aws:iam::aws:policy/PATH/NAME</c>),
/// loaded once from the embedded catalog (Data/ManagedPolicies). Read-only: only the default
/// version's document is known, so each policy shows that one version.
/// </summary>
public sealed class ManagedPolicyCatalog
{
    private static readonly Lazy<ManagedPolicyCatalog> s_default = new(Load);

    private ManagedPolicyCatalog(FrozenDictionary<string, PolicyEntity> byArn) => ByArn = byArn;

    /// <summary>The catalog shipped with Lockbox.</summary>
    public static ManagedPolicyCatalog Default => s_default.Value;

    /// <summary>Every AWS managed policy by ARN.</summary>
    public FrozenDictionary<string, PolicyEntity> ByArn { get; }

    private static ManagedPolicyCatalog Load()
    {
        var assembly = typeof(ManagedPolicyCatalog).Assembly;
        using var index = JsonDocument.Parse(ReadResource(assembly, "Lockbox.Iam.ManagedPolicies.index.json"));
        var policies = new Dictionary<string, PolicyEntity>(StringComparer.Ordinal);
        foreach (var entry in index.RootElement.GetProperty("policies").EnumerateArray())
        {
            var document = ReadResource(assembly, "Lockbox.Iam.ManagedPolicies." + entry.GetProperty("file").GetString());
            var created = DateTimeOffset.Parse(entry.GetProperty("createDate").GetString()!, CultureInfo.InvariantCulture);
            var updated = DateTimeOffset.Parse(entry.GetProperty("updateDate").GetString()!, CultureInfo.InvariantCulture);
            var versionId = entry.GetProperty("defaultVersionId").GetString()!;
            var policy = new PolicyEntity
            {
                Name = entry.GetProperty("name").GetString()!,
                Path = entry.GetProperty("path").GetString()!,
                Id = entry.GetProperty("policyId").GetString()!,
                Arn = entry.GetProperty("arn").GetString()!,
                CreateDate = created,
                UpdateDate = updated,
                DefaultVersionId = versionId,
                Versions = [new PolicyVersionEntity { VersionId = versionId, Document = document, CreateDate = updated }],
                IsAwsManaged = true,
            };
            policies[policy.Arn] = policy;
        }

        return new ManagedPolicyCatalog(policies.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException("Missing embedded resource " + name);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
