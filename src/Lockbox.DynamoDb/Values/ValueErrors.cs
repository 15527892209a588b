using Lockbox.Common;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// DynamoDB's exact error texts for attribute values, as observed from the live service
/// (recorded by the dynalite test suite and the project's error catalogue). Kept here, next to
/// the code that raises them, so nothing reads reference material at run time.
/// </summary>
public static class ValueErrors
{
    public const string ValidateNamespace = "com.amazon.coral.validate";
    public const string ServiceNamespace = "com.amazon.coral.service";
    public const string InvalidPrefix = "One or more parameter values were invalid: ";

    // Numbers.
    public const string NotNumeric = "The parameter cannot be converted to a numeric value";
    public const string TooManyDigits = "Attempting to store more than 38 significant digits in a Number";
    public const string NumberOverflow =
        "Number overflow. Attempting to store a number with magnitude larger than supported range";
    public const string NumberUnderflow =
        "Number underflow. Attempting to store a number with magnitude smaller than supported range";

    // AttributeValue shape.
    public const string EmptyAttributeValue =
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
    public const string MultipleDatatypes =
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";
    public const string NullNotTrue = InvalidPrefix + "Null attribute value types must have the value of true";
    public const string EmptyStringSet = InvalidPrefix + "An string set  may not be empty"; // sic: two spaces
    public const string EmptyNumberSet = InvalidPrefix + "An number set  may not be empty"; // sic
    public const string EmptyBinarySet = InvalidPrefix + "Binary sets should not be empty";
    public const string NumberSetDuplicates = "Input collection contains duplicates"; // no prefix, no period (sic)
    public const string NestingTooDeep =
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

    // SerializationException texts (JSON token of the wrong type); see serializationTypeErrors.
    public const string StartOfStructure = "Start of structure or map found where not expected";
    public const string UnexpectedFieldType = "Unexpected field type";
    public const string UnexpectedValueType = "Unexpected value type in payload";
    public const string UnexpectedToken = "Unexpected token received from parser";
    public const string BlobNotString = "only base-64-encoded strings are convertible to bytes";
    public const string BlobCollection = "Unrecognized collection type class java.nio.ByteBuffer";
    public const string StringCollection = "Unrecognized collection type class java.lang.String";
    public const string BooleanCollection = "Unrecognized collection type class java.lang.Boolean";
    public const string AttributeValueCollection =
        "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue";
    public const string AttributeMapCollection =
        "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>";
    public const string Base64BadLastCharacter = "Invalid last non-pad Base64 character dectected"; // sic

    /// <summary>The ValidationException DynamoDB returns for a bad parameter value.</summary>
    public static AwsServiceException Validation(string message) =>
        new(ValidateNamespace, "ValidationException", message);

    /// <summary>The SerializationException (member <c>Message</c>) for a JSON token of the wrong type.</summary>
    public static AwsServiceException Serialization(string message) =>
        new(ServiceNamespace, "SerializationException", message, capitalizedMessageMember: true);

    /// <summary>Message for text that is not a number (DynamoDB omits the text when it is empty).</summary>
    public static string NotNumericMessage(ReadOnlySpan<char> text) =>
        text.IsEmpty ? NotNumeric : NotNumeric + ": " + text.ToString();

    public static string Base64LengthMessage(int length) =>
        "Base64 encoded length is expected a multiple of 4 bytes but found: " + length;
}
