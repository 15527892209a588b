using System.Numerics;

namespace Lockbox.DynamoDb.Values;

/// <summary>
/// A DynamoDB number: exact decimal, up to 38 significant digits, magnitude 1E-130 to
/// 9.9999999999999999999999999999999999999E+125 (and zero). Value = Coefficient * 10^Exponent,
/// normalized so the coefficient has no trailing zeros (zero is 0E0); equal numbers therefore
/// have equal fields, whatever text they were written as ("1.50" == "1.5" == "15E-1").
/// </summary>
public readonly struct DynamoNumber : IEquatable<DynamoNumber>, IComparable<DynamoNumber>
{
    // PLACEHOLDER API — the Values helper implements the bodies.
    public DynamoNumber(BigInteger coefficient, int exponent)
    {
        Coefficient = coefficient;
        Exponent = exponent;
    }

    public BigInteger Coefficient { get; }
    public int Exponent { get; }

    public static DynamoNumber Zero => default;

    /// <summary>Parses DynamoDB number text; on failure <paramref name="error"/> holds DynamoDB's message.</summary>
    public static bool TryParse(string text, out DynamoNumber value, out string? error) => throw new NotImplementedException();

    public DynamoNumber Add(DynamoNumber other) => throw new NotImplementedException();
    public DynamoNumber Subtract(DynamoNumber other) => throw new NotImplementedException();

    public int CompareTo(DynamoNumber other) => throw new NotImplementedException();
    public bool Equals(DynamoNumber other) => Coefficient == other.Coefficient && Exponent == other.Exponent;
    public override bool Equals(object? obj) => obj is DynamoNumber n && Equals(n);
    public override int GetHashCode() => HashCode.Combine(Coefficient, Exponent);

    /// <summary>Canonical text as DynamoDB returns it.</summary>
    public override string ToString() => throw new NotImplementedException();

    public static bool operator ==(DynamoNumber left, DynamoNumber right) => left.Equals(right);
    public static bool operator !=(DynamoNumber left, DynamoNumber right) => !left.Equals(right);
    public static bool operator <(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) < 0;
    public static bool operator >(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) > 0;
    public static bool operator <=(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) <= 0;
    public static bool operator >=(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) >= 0;
}
