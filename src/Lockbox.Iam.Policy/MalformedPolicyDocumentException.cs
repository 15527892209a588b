namespace Lockbox.Iam.Policy;

/// <summary>
/// A policy document IAM would refuse. <see cref="Exception.Message"/> is AWS's own wording for
/// the MalformedPolicyDocument error (e.g. "Syntax errors in policy."); the IAM API layer turns it
/// into its XML error (code MalformedPolicyDocument, HTTP 400).
/// </summary>
public sealed class MalformedPolicyDocumentException : Exception
{
    /// <summary>Creates the exception with AWS's message text.</summary>
    public MalformedPolicyDocumentException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with AWS's message text and the underlying cause.</summary>
    public MalformedPolicyDocumentException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the generic syntax-error text.</summary>
    public MalformedPolicyDocumentException() : base(PolicyErrors.SyntaxErrors)
    {
    }
}
