using Lockbox.Common;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// DynamoDB's exact error texts for expressions, as observed from the live service (the
/// dynalite test suite recorded them against DynamoDB; see the project's error catalogue).
/// Kept next to the code that raises them so nothing reads reference material at run time.
/// </summary>
internal static class ExpressionErrors
{
    public const int MaxExpressionBytes = 4096;
    public const int MaxInOperands = 100;
    public const int MaxOperators = 300;
    public const int MaxPathDepth = 32;

    public static AwsServiceException Validation(string message) =>
        new("com.amazon.coral.validate", "ValidationException", message);

    /// <summary>"Invalid ConditionExpression: ..." and friends; every expression error but a few carries it.</summary>
    public static AwsServiceException Invalid(string parameter, string detail) =>
        Validation($"Invalid {parameter}: {detail}");

    public static AwsServiceException Empty(string parameter) =>
        Invalid(parameter, "The expression can not be empty;");

    public static AwsServiceException TooLong(string parameter) =>
        Invalid(parameter, "Expression size has exceeded the maximum allowed size;");

    public static AwsServiceException TooManyOperators(string parameter, int count) =>
        Invalid(parameter, $"The expression contains too many operators; operator count: {count}");

    public static AwsServiceException TooManyInOperands(string parameter, int count) =>
        Invalid(parameter, $"The IN operator is provided with too many operands; number of operands: {count}");

    // Guessed wording: DynamoDB's text for a document path deeper than 32 levels was not observed.
    public static AwsServiceException PathTooDeep(string parameter, int depth) =>
        Invalid(parameter, $"The document path has too many nesting levels; nesting levels: {depth}");

    public static AwsServiceException Syntax(string parameter, string token, string near) =>
        Invalid(parameter, $"Syntax error; token: \"{token}\", near: \"{near}\"");

    public static AwsServiceException RedundantParentheses(string parameter) =>
        Invalid(parameter, "The expression has redundant parentheses;");

    public static AwsServiceException InvalidFunctionName(string parameter, string function) =>
        Invalid(parameter, $"Invalid function name; function: {function}");

    public static AwsServiceException FunctionMisused(string parameter, string function) =>
        Invalid(parameter, $"The function is not allowed to be used this way in an expression; function: {function}");

    public static AwsServiceException ReservedKeyword(string parameter, string word) =>
        Invalid(parameter, $"Attribute name is a reserved keyword; reserved keyword: {word}");

    public static AwsServiceException UndefinedName(string parameter, string name) =>
        Invalid(parameter, $"An expression attribute name used in the document path is not defined; attribute name: {name}");

    public static AwsServiceException UndefinedValue(string parameter, string name) =>
        Invalid(parameter, $"An expression attribute value used in expression is not defined; attribute value: {name}");

    public static AwsServiceException OperandCount(string parameter, string function, int count) =>
        Invalid(parameter, $"Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {count}");

    public static AwsServiceException OperandType(string parameter, string function, string type) =>
        Invalid(parameter, $"Incorrect operand type for operator or function; operator or function: {function}, operand type: {type}");

    /// <summary>ADD/DELETE in an update expression word this one "operator:" and use long type names.</summary>
    public static AwsServiceException ActionOperandType(string action, string type) =>
        Invalid("UpdateExpression", $"Incorrect operand type for operator or function; operator: {action}, operand type: {type}");

    public static AwsServiceException RequiresPath(string parameter, string function) =>
        Invalid(parameter, $"Operator or function requires a document path; operator or function: {function}");

    public static AwsServiceException NotDistinct(string parameter, string op, DocumentPath path) =>
        Invalid(parameter, $"The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {path}");

    public static AwsServiceException InvalidTypeName(string parameter, string type) =>
        Invalid(parameter, $"Invalid attribute type name found; type: {type}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}");

    public static AwsServiceException BetweenTypes(string parameter, string lower, string upper) =>
        Invalid(parameter, $"The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {lower}, upper bound operand: AttributeValue: {upper}");

    public static AwsServiceException BetweenOrder(string parameter, string lower, string upper) =>
        Invalid(parameter, $"The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {lower}, upper bound operand: AttributeValue: {upper}");

    public static AwsServiceException SectionTwice(string section) =>
        Invalid("UpdateExpression", $"The \"{section}\" section can only be used once in an update expression;");

    public static AwsServiceException PathsOverlap(string parameter, DocumentPath one, DocumentPath two) =>
        Invalid(parameter, $"Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}");

    public static AwsServiceException PathsConflict(string parameter, DocumentPath one, DocumentPath two) =>
        Invalid(parameter, $"Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}");

    // Run-time update errors (no "Invalid UpdateExpression:" prefix).
    public static AwsServiceException MissingOperand() =>
        Validation("The provided expression refers to an attribute that does not exist in the item");

    public static AwsServiceException InvalidUpdatePath() =>
        Validation("The document path provided in the update expression is invalid for update");

    public static AwsServiceException IncorrectOperandType() =>
        Validation("An operand in the update expression has an incorrect data type");

    // Key condition structure (no "Invalid KeyConditionExpression:" prefix).
    public static AwsServiceException KeyInvalidOperator(string op) =>
        Validation($"Invalid operator used in KeyConditionExpression: {op}");

    public static AwsServiceException KeyFirstOperand(string op) =>
        Validation($"Invalid condition in KeyConditionExpression: {op} operator must have the key attribute as its first operand");

    public static AwsServiceException KeyNestedOperations() =>
        Validation("KeyConditionExpressions cannot contain nested operations");

    public static AwsServiceException KeyMultipleNames() =>
        Validation("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");

    public static AwsServiceException KeyNestedAttributes() =>
        Validation("KeyConditionExpressions cannot have conditions on nested attributes");

    public static AwsServiceException KeyNoAttribute() =>
        Validation("Invalid condition in KeyConditionExpression: No key attribute specified");

    public static AwsServiceException KeyOneConditionPerKey() =>
        Validation("KeyConditionExpressions must only contain one condition per key");

    public static AwsServiceException KeyConditionCount() =>
        Validation("Conditions can be of length 1 or 2 only");

    public static AwsServiceException KeyMissed(string attribute) =>
        Validation($"Query condition missed key schema element: {attribute}");

    public static AwsServiceException KeyNotSupported() =>
        Validation("Query key condition not supported");

    public static AwsServiceException KeyNotIndexable() =>
        Validation("Attempted conditional constraint is not an indexable operation");

    public static AwsServiceException KeyTypeMismatch() =>
        Validation("One or more parameter values were invalid: Condition parameter type does not match schema type");
}
