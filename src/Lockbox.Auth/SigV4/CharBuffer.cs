using System.Buffers;

namespace Lockbox.Auth.SigV4;

/// <summary>
/// A growable char buffer rented from the shared pool, for building canonical requests without
/// intermediate strings. A ref struct: it lives on the stack of one verification.
/// </summary>
internal ref struct CharBuffer
{
    private char[] _array;
    private int _length;

    public CharBuffer(int capacity)
    {
        _array = ArrayPool<char>.Shared.Rent(capacity);
        _length = 0;
    }

    public readonly int Length => _length;

    public readonly ReadOnlySpan<char> Span => _array.AsSpan(0, _length);

    public void Append(char c)
    {
        if (_length == _array.Length)
        {
            Grow(1);
        }

        _array[_length++] = c;
    }

    public void Append(scoped ReadOnlySpan<char> text)
    {
        if (_array.Length - _length < text.Length)
        {
            Grow(text.Length);
        }

        text.CopyTo(_array.AsSpan(_length));
        _length += text.Length;
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        if (array.Length > 0)
        {
            ArrayPool<char>.Shared.Return(array);
        }
    }

    public override readonly string ToString() => new(Span);

    private void Grow(int needed)
    {
        var next = ArrayPool<char>.Shared.Rent(Math.Max(_array.Length * 2, _length + needed));
        _array.AsSpan(0, _length).CopyTo(next);
        ArrayPool<char>.Shared.Return(_array);
        _array = next;
    }
}
