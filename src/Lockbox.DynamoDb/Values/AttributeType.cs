namespace Lockbox.DynamoDb.Values;

/// <summary>DynamoDB's ten attribute types, named as on the wire.</summary>
public enum AttributeType : byte
{
    S = 1,
    N = 2,
    B = 3,
    BOOL = 4,
    NULL = 5,
    M = 6,
    L = 7,
    SS = 8,
    NS = 9,
    BS = 10,
}
