using System.Buffers;
using System.Text.Json;
using Lockbox.Common;

namespace Lockbox.Protocols.Json;

/// <summary>
/// Writes the awsJson error body: <c>{"__type":"ns#Code","message":"..."}</c>. The member is
/// <c>Message</c> when <see cref="AwsServiceException.CapitalizedMessageMember"/> is set, and
/// left out when AWS sends no message (UnknownOperationException, body-level
/// SerializationException). Extra members (e.g. a ConditionalCheckFailed item) follow.
/// </summary>
public static class AwsJsonErrorWriter
{
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("__type");
    private static readonly JsonEncodedText s_message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText s_capitalMessage = JsonEncodedText.Encode("Message");

    // AWS escapes only what JSON requires; the default encoder would also escape '<', '&', '+'
    // and non-ASCII, which clients decode the same but which changes the bytes (and CRC) needlessly.
    private static readonly JsonWriterOptions s_options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary>Writes the error body of <paramref name="error"/> to <paramref name="output"/>.</summary>
    public static void Write(AwsServiceException error, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, s_options);
        writer.WriteStartObject();
        writer.WriteString(s_type, error.FullType);
        if (error.ErrorMessage is not null)
        {
            writer.WriteString(error.CapitalizedMessageMember ? s_capitalMessage : s_message, error.ErrorMessage);
        }

        error.WriteExtraJsonMembers(writer);
        writer.WriteEndObject();
        writer.Flush();
    }
}
