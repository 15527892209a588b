using System.Buffers;
using Lockbox.Common;
using Lockbox.Protocols.Query;

namespace Lockbox.Iam.Sts;

/// <summary>
/// The STS API (awsQuery, version 2011-06-15): GetCallerIdentity, AssumeRole, GetSessionToken,
/// DecodeAuthorizationMessage. Credentials come from <see cref="StsIssuer"/> and are self-contained
/// (see <see cref="SessionTokenCodec"/>); the authenticator resolves them with
/// <see cref="SessionCredentialResolver"/> without a lookup.
/// </summary>
public sealed partial class StsService : IQueryService
{
    /// <summary>The STS API version.</summary>
    public const string ApiVersion = "2011-06-15";

    /// <summary>The XML namespace of STS answers.</summary>
    public const string Namespace = "https://sts.amazonaws.com/doc/2011-06-15/";

    private readonly StsIssuer _issuer;
    private readonly IRequestAuthorizer _authorizer;

    /// <summary>Creates the service.</summary>
    public StsService(StsIssuer issuer, IRequestAuthorizer authorizer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(authorizer);
        _issuer = issuer;
        _authorizer = authorizer;
    }

    /// <summary>Every operation this service offers.</summary>
    public static IReadOnlyList<string> Operations { get; } = ["GetCallerIdentity", "AssumeRole", "GetSessionToken", "DecodeAuthorizationMessage"];

    private static readonly HashSet<string> s_operations = new(Operations, StringComparer.Ordinal);

    /// <inheritdoc />
    public string SigningName => "sts";

    /// <inheritdoc />
    public string Version => ApiVersion;

    /// <inheritdoc />
    public string XmlNamespace => Namespace;

    /// <inheritdoc />
    public bool HasOperation(string action) => s_operations.Contains(action);

    /// <inheritdoc />
    public ValueTask InvokeAsync(string action, QueryRequest request, CallerContext caller, IBufferWriter<byte> response,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(response);
        if (!HasOperation(action))
        {
            throw QueryErrors.InvalidAction(action, request.Version ?? ApiVersion);
        }

        IamValidation.Validate(action, request);
        if (caller.Principal.Session is { Kind: not SessionKind.RoleSession } && action is not ("AssumeRole" or "GetCallerIdentity" or "GetSessionToken"))
        {
            // GetSessionToken credentials may call only AssumeRole and GetCallerIdentity on STS.
            throw StsErrors.AccessDenied($"Cannot call {action} with session credentials");
        }

        var writer = new QueryXmlWriter();
        writer.Begin(action, Namespace);
        switch (action)
        {
            case "GetCallerIdentity": GetCallerIdentity(caller, writer); break;
            case "AssumeRole": AssumeRole(caller, request, writer); break;
            case "GetSessionToken": GetSessionToken(caller, request, writer); break;
            case "DecodeAuthorizationMessage": DecodeAuthorizationMessage(caller, request, writer); break;
            default: throw QueryErrors.InvalidAction(action, ApiVersion);
        }

        writer.Finish(caller.RequestId, response);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Who the caller is. Needs no permission (AWS: "No permissions are required to perform this
    /// operation"; an explicit deny of sts:GetCallerIdentity does not stop it either).
    /// </summary>
    private void DecodeAuthorizationMessage(CallerContext caller, QueryRequest request, QueryXmlWriter writer)
    {
        _authorizer.Authorize(caller, new AuthorizationRequest("sts:DecodeAuthorizationMessage", "*"));
        var message = request.Get("EncodedMessage")!;
        var decoded = _issuer.Messages.Decode(message) ?? throw StsErrors.InvalidAuthorizationMessage(
            "Message is not valid");
        writer.Element("DecodedMessage", decoded);
    }

    private static void GetCallerIdentity(CallerContext caller, QueryXmlWriter writer)
    {
        var principal = caller.Principal;
        writer.Element("Arn", principal.Arn).Element("UserId", principal.UserId).Element("Account", principal.AccountId);
    }
}
