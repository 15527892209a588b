using Lockbox.Iam.Policy;

namespace Lockbox.Iam;

/// <summary>
/// Validates a policy document before IAM stores it. Throws MalformedPolicyDocument
/// (<see cref="IamErrors.MalformedPolicyDocument"/>) with AWS's message when it is not acceptable.
/// </summary>
public interface IPolicyDocumentValidator
{
    /// <summary>
    /// Throws MalformedPolicyDocument when <paramref name="document"/> is not a valid policy of
    /// <paramref name="kind"/>; <paramref name="managed"/> policies (CreatePolicy,
    /// CreatePolicyVersion) must also be Version 2012-10-17.
    /// </summary>
    void Validate(string document, PolicyKind kind, bool managed = false);
}

/// <summary>The policy engine's grammar (<see cref="PolicyParser"/>), with IAM's messages.</summary>
public sealed class PolicyEngineValidator : IPolicyDocumentValidator
{
    /// <inheritdoc />
    public void Validate(string document, PolicyKind kind, bool managed = false)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            PolicyParser.Parse(document, kind, requireVersion2012: managed);
        }
        catch (MalformedPolicyDocumentException exception)
        {
            throw IamErrors.MalformedPolicyDocument(exception.Message);
        }
    }
}
