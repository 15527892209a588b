namespace Lockbox.DynamoDb.Expressions;

/// <summary>The functions each expression kind accepts (names are case-sensitive in DynamoDB).</summary>
internal static class FunctionNames
{
    public const string AttributeExists = "attribute_exists";
    public const string AttributeNotExists = "attribute_not_exists";
    public const string AttributeType = "attribute_type";
    public const string BeginsWith = "begins_with";
    public const string Contains = "contains";
    public const string Size = "size";
    public const string IfNotExists = "if_not_exists";
    public const string ListAppend = "list_append";

    public static bool IsConditionFunction(string name) =>
        name is AttributeExists or AttributeNotExists or AttributeType or BeginsWith or Contains or Size;

    public static bool IsUpdateFunction(string name) => name is IfNotExists or ListAppend;

    /// <summary>Functions that yield a truth value rather than an operand.</summary>
    public static bool IsBoolean(string name) =>
        name is AttributeExists or AttributeNotExists or AttributeType or BeginsWith or Contains;
}
