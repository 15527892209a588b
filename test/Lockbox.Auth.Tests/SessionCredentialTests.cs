using System.Diagnostics.CodeAnalysis;
using Lockbox.Auth.SigV4;
using Lockbox.Common;

namespace Lockbox.Auth.Tests;

/// <summary>Temporary (ASIA…) keys: resolved from their session token, never from the key store.</summary>
public sealed class SessionCredentialTests
{
    private sealed class FakeResolver(string token, DateTimeOffset expiration) : ISessionCredentialResolver
    {
        public int Calls { get; private set; }

        public bool TryResolve(string accessKeyId, string sessionToken, [MaybeNullWhen(false)] out AccessKeyRecord record)
        {
            Calls++;
            record = null;
            if (sessionToken != token)
            {
                return false;
            }

            var principal = new Principal("123456789012", "arn:aws:sts::123456789012:assumed-role/r/s", "AROAX:s", accessKeyId, IsRoot: false);
            record = new AccessKeyRecord("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", principal) { SessionToken = sessionToken, Expiration = expiration };
            return true;
        }
    }

    private static AwsServiceException Fail(SigV4Authenticator authenticator, FakeRequest request) =>
        Assert.Throws<AwsServiceException>(() => authenticator.Authenticate(request, request.Body, "dynamodb"));

    [Theory]
    [InlineData("temporary-key")]
    [InlineData("temporary-key-presigned")]
    public void A_temporary_key_authenticates_through_its_token_without_the_key_store(string name)
    {
        var vector = SigV4Vector.All[name];
        var resolver = new FakeResolver(vector.SessionToken!, vector.SignedAt.AddHours(1));
        var authenticator = new SigV4Authenticator(new DictionaryKeyStore(), "us-east-1", new ManualTimeProvider(vector.SignedAt), resolver);
        var request = vector.ToRequest();

        var record = authenticator.Authenticate(request, request.Body, "dynamodb");

        Assert.Equal("arn:aws:sts::123456789012:assumed-role/r/s", record.Principal.Arn);
        Assert.Equal(1, resolver.Calls);
    }

    [Fact]
    public void Missing_garbled_and_expired_tokens_get_DynamoDB_errors()
    {
        var vector = SigV4Vector.All["temporary-key"];
        var clock = new ManualTimeProvider(vector.SignedAt);

        // A token that does not resolve (forged, garbled, another key's): invalid, without the period.
        var wrong = new SigV4Authenticator(new DictionaryKeyStore(), "us-east-1", clock, new FakeResolver("another", vector.SignedAt.AddHours(1)));
        var error = Fail(wrong, vector.ToRequest());
        Assert.Equal(("UnrecognizedClientException", "The security token included in the request is invalid"), (error.ErrorCode, error.ErrorMessage));

        // No token at all for an ASIA key: an unknown key (with the period).
        var resolver = new FakeResolver(vector.SessionToken!, vector.SignedAt.AddHours(1));
        var authenticator = new SigV4Authenticator(new DictionaryKeyStore(), "us-east-1", clock, resolver);
        error = Fail(authenticator, vector.ToRequest().Without("X-Amz-Security-Token"));
        Assert.Equal(("UnrecognizedClientException", "The security token included in the request is invalid."), (error.ErrorCode, error.ErrorMessage));

        // Expired: reported after the signature was checked.
        var expired = new SigV4Authenticator(new DictionaryKeyStore(), "us-east-1", clock, new FakeResolver(vector.SessionToken!, vector.SignedAt));
        error = Fail(expired, vector.ToRequest());
        Assert.Equal("com.amazon.coral.service#ExpiredTokenException", error.FullType);
        Assert.Equal("The security token included in the request is expired", error.ErrorMessage);
    }

    [Fact]
    public void Several_regions_can_be_accepted_and_others_are_refused()
    {
        var vector = SigV4Vector.All["list-tables"];
        var store = new DictionaryKeyStore().Add(vector.AccessKeyId, vector.SecretAccessKey);
        var clock = new ManualTimeProvider(vector.SignedAt);
        var both = new SigV4Authenticator(store, ["eu-west-1", "us-east-1"], clock);
        var request = vector.ToRequest();
        both.Authenticate(request, request.Body, "dynamodb");

        var other = new SigV4Authenticator(store, ["eu-west-1", "ap-south-1"], clock);
        var error = Fail(other, vector.ToRequest());
        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal("Credential should be scoped to a valid region, not 'us-east-1'. ", error.ErrorMessage);
    }
}
