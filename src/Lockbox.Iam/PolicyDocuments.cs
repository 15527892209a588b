using System.Text.Json;

namespace Lockbox.Iam;

/// <summary>What a policy document is for: its validation rules differ.</summary>
public enum PolicyKind
{
    /// <summary>A managed policy version or an inline policy (identity-based).</summary>
    Identity,

    /// <summary>A role's trust policy (resource-based, needs a Principal).</summary>
    Trust,
}

/// <summary>
/// Validates a policy document before IAM stores it. Throws MalformedPolicyDocument
/// (<see cref="IamErrors.MalformedPolicyDocument"/>) with AWS's message when it is not acceptable.
/// The policy engine (Lockbox.Iam.Policy) supplies the real implementation.
/// </summary>
public interface IPolicyDocumentValidator
{
    /// <summary>Throws MalformedPolicyDocument when <paramref name="document"/> is not a valid policy of <paramref name="kind"/>.</summary>
    void Validate(string document, PolicyKind kind);
}

/// <summary>
/// TEMPORARY stand-in for the policy engine's validator: checks only that the document is a JSON
/// object with a <c>Statement</c> (and, if present, a known <c>Version</c>). To be replaced by
/// Lockbox.Iam.Policy's full grammar check when the two branches merge.
/// </summary>
public sealed class JsonShapePolicyValidator : IPolicyDocumentValidator
{
    /// <inheritdoc />
    public void Validate(string document, PolicyKind kind)
    {
        ArgumentNullException.ThrowIfNull(document);
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(document);
        }
        catch (JsonException)
        {
            throw IamErrors.MalformedPolicyDocument("Syntax errors in policy.");
        }

        using (parsed)
        {
            var root = parsed.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw IamErrors.MalformedPolicyDocument("Syntax errors in policy.");
            }

            if (root.TryGetProperty("Version", out var version) &&
                (version.ValueKind != JsonValueKind.String || version.GetString() is not ("2012-10-17" or "2008-10-17")))
            {
                throw IamErrors.MalformedPolicyDocument("The policy failed legacy parsing");
            }

            if (!root.TryGetProperty("Statement", out var statement) ||
                statement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                throw IamErrors.MalformedPolicyDocument("Syntax errors in policy.");
            }
        }
    }
}
