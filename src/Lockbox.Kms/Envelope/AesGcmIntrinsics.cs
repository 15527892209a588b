using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Lockbox.Kms.Envelope;

/// <summary>
/// AES-256-GCM (NIST SP 800-38D; 96-bit nonces, 128-bit tags) on the CPU's AES and carry-less
/// multiply instructions, for the short values sealed and opened per item.
/// <para>Why not <see cref="AesGcm"/>: on Linux each of its calls is about six calls into OpenSSL,
/// each starting with <c>ERR_clear_error</c> (which walks and frees the thread's error slots) and
/// going through OpenSSL 3's parameter lookups; for a 200-byte item that overhead was about ten
/// times the cipher work itself and a fifth of a Scan page's server CPU. The cipher here is the
/// same algorithm on the same instructions OpenSSL uses (AES-NI rounds, PCLMULQDQ for GHASH, the
/// reduction of Intel's carry-less multiplication white paper), so it has no secret-dependent
/// branches or table lookups. It is tested against <see cref="AesGcm"/> in both directions.</para>
/// <para>Immutable after construction, so one instance serves every thread (no pool). The round
/// keys and the hash key live in a pinned array that <see cref="Dispose"/> zeroes.</para>
/// <para>Stack buffers are written before they are read, so they are not zeroed on entry.</para>
/// </summary>
[SkipLocalsInit]
internal sealed class AesGcmIntrinsics : IDisposable
{
    public const int NonceSize = 12;
    public const int TagSize = 16;

    private const int Rounds = 14;

    // Slots 0..14: the AES-256 round keys; slots 15..18: the GHASH key H and H^2, H^3, H^4
    // (byte-reflected), so four blocks share one reduction.
    private const int HashKeySlot = Rounds + 1;
    private const int SlotCount = HashKeySlot + 4;

    private readonly Vector128<byte>[] _keys;

    public AesGcmIntrinsics(ReadOnlySpan<byte> key)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("AES-NI and PCLMULQDQ are not available.");
        }

        if (key.Length != 32)
        {
            throw new CryptographicException("An AES-256 key is 32 bytes.");
        }

        _keys = GC.AllocateArray<Vector128<byte>>(SlotCount, pinned: true);
        ExpandKey(key, _keys);
        var h = Reflect(EncryptBlock(Vector128<byte>.Zero));
        _keys[HashKeySlot] = h;
        for (var power = 1; power < 4; power++)
        {
            _keys[HashKeySlot + power] = Multiply(_keys[HashKeySlot + power - 1], h);
        }
    }

    /// <summary>Whether this CPU has the instructions (x86-64 with AES-NI, PCLMULQDQ and SSE4.1).</summary>
    public static bool IsSupported => X86Aes.IsSupported && Pclmulqdq.IsSupported && Sse41.IsSupported;

    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag,
        ReadOnlySpan<byte> associatedData)
    {
        CheckSizes(nonce, plaintext.Length, ciphertext.Length, tag.Length);
        var counter = CounterBase(nonce);
        Ctr(counter, plaintext, ciphertext);
        Tag(counter, ciphertext, associatedData).CopyTo(tag);
    }

    /// <summary>
    /// Checks the tag over <paramref name="associatedData"/> and <paramref name="ciphertext"/> first
    /// and decrypts only if it matches; otherwise throws <see cref="AuthenticationTagMismatchException"/>
    /// and leaves <paramref name="plaintext"/> cleared (as <see cref="AesGcm.Decrypt(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, ReadOnlySpan{byte})"/> does).
    /// </summary>
    public void Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext,
        ReadOnlySpan<byte> associatedData)
    {
        CheckSizes(nonce, ciphertext.Length, plaintext.Length, tag.Length);
        var counter = CounterBase(nonce);
        var expected = Tag(counter, ciphertext, associatedData);
        var given = Vector128.Create(tag);

        // Constant time: every byte is compared, one branch on the combined result.
        if ((expected ^ given) != Vector128<byte>.Zero)
        {
            plaintext.Clear();
            throw new AuthenticationTagMismatchException();
        }

        Ctr(counter, ciphertext, plaintext);
    }

    public void Dispose()
    {
        Array.Clear(_keys);
    }

    private static void CheckSizes(ReadOnlySpan<byte> nonce, int inputLength, int outputLength, int tagLength)
    {
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("The nonce must be 12 bytes.", nameof(nonce));
        }

        if (outputLength != inputLength)
        {
            throw new ArgumentException("Plaintext and ciphertext must have the same length.");
        }

        if (tagLength != TagSize)
        {
            throw new ArgumentException("The tag must be 16 bytes.");
        }
    }

    /// <summary>nonce ‖ 0x00000000: the counter blocks are this with the 32-bit big-endian counter in the last word.</summary>
    private static Vector128<byte> CounterBase(ReadOnlySpan<byte> nonce)
    {
        Span<byte> block = stackalloc byte[16];
        nonce.CopyTo(block);
        block[12..].Clear();
        return Vector128.Create((ReadOnlySpan<byte>)block);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> CounterBlock(Vector128<byte> counterBase, uint counter) =>
        counterBase.AsUInt32().WithElement(3, BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(counter) : counter).AsByte();

    /// <summary>GCTR from counter 2 (counter 1 encrypts the tag): XORs the key stream into <paramref name="output"/>.</summary>
    private void Ctr(Vector128<byte> counterBase, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var keys = _keys;
        ref var inRef = ref MemoryMarshal.GetReference(input);
        ref var outRef = ref MemoryMarshal.GetReference(output);
        var length = input.Length;
        var offset = 0;
        var counter = 2u;

        // Four blocks at a time: their rounds interleave, hiding the AES instructions' latency.
        while (length - offset >= 64)
        {
            var k0 = keys[0];
            var b0 = CounterBlock(counterBase, counter) ^ k0;
            var b1 = CounterBlock(counterBase, counter + 1) ^ k0;
            var b2 = CounterBlock(counterBase, counter + 2) ^ k0;
            var b3 = CounterBlock(counterBase, counter + 3) ^ k0;
            for (var round = 1; round < Rounds; round++)
            {
                var k = keys[round];
                b0 = X86Aes.Encrypt(b0, k);
                b1 = X86Aes.Encrypt(b1, k);
                b2 = X86Aes.Encrypt(b2, k);
                b3 = X86Aes.Encrypt(b3, k);
            }

            var last = keys[Rounds];
            var at = (nuint)offset;
            (X86Aes.EncryptLast(b0, last) ^ Vector128.LoadUnsafe(ref inRef, at)).StoreUnsafe(ref outRef, at);
            (X86Aes.EncryptLast(b1, last) ^ Vector128.LoadUnsafe(ref inRef, at + 16)).StoreUnsafe(ref outRef, at + 16);
            (X86Aes.EncryptLast(b2, last) ^ Vector128.LoadUnsafe(ref inRef, at + 32)).StoreUnsafe(ref outRef, at + 32);
            (X86Aes.EncryptLast(b3, last) ^ Vector128.LoadUnsafe(ref inRef, at + 48)).StoreUnsafe(ref outRef, at + 48);
            offset += 64;
            counter += 4;
        }

        while (length - offset >= 16)
        {
            var at = (nuint)offset;
            (EncryptBlock(CounterBlock(counterBase, counter)) ^ Vector128.LoadUnsafe(ref inRef, at)).StoreUnsafe(ref outRef, at);
            offset += 16;
            counter++;
        }

        if (offset < length)
        {
            Span<byte> stream = stackalloc byte[16];
            EncryptBlock(CounterBlock(counterBase, counter)).CopyTo(stream);
            for (var i = offset; i < length; i++)
            {
                output[i] = (byte)(input[i] ^ stream[i - offset]);
            }

            stream.Clear();
        }
    }

    /// <summary>The tag: GHASH(A, C) XOR E(K, counter 1).</summary>
    private Vector128<byte> Tag(Vector128<byte> counterBase, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData)
    {
        var x = Ghash(Vector128<byte>.Zero, associatedData);
        x = Ghash(x, ciphertext);
        var lengths = Vector128.Create((ulong)ciphertext.Length * 8, (ulong)associatedData.Length * 8).AsByte();
        x = Multiply(x ^ lengths, _keys[HashKeySlot]);
        return Reflect(x) ^ EncryptBlock(CounterBlock(counterBase, 1));
    }

    /// <summary>Folds <paramref name="data"/> (zero-padded to whole blocks) into the byte-reflected GHASH state.</summary>
    private Vector128<byte> Ghash(Vector128<byte> x, ReadOnlySpan<byte> data)
    {
        var keys = _keys;
        var h = keys[HashKeySlot];
        ref var dataRef = ref MemoryMarshal.GetReference(data);
        var offset = 0;

        // Four blocks at a time: x' = (x + b0)·H^4 + b1·H^3 + b2·H^2 + b3·H, the products summed
        // unreduced (reduction is linear) and reduced once.
        if (data.Length >= 64)
        {
            var h2 = keys[HashKeySlot + 1];
            var h3 = keys[HashKeySlot + 2];
            var h4 = keys[HashKeySlot + 3];
            for (; data.Length - offset >= 64; offset += 64)
            {
                var at = (nuint)offset;
                var low = Vector128<ulong>.Zero;
                var middle = Vector128<ulong>.Zero;
                var high = Vector128<ulong>.Zero;
                Accumulate(x ^ Reflect(Vector128.LoadUnsafe(ref dataRef, at)), h4, ref low, ref middle, ref high);
                Accumulate(Reflect(Vector128.LoadUnsafe(ref dataRef, at + 16)), h3, ref low, ref middle, ref high);
                Accumulate(Reflect(Vector128.LoadUnsafe(ref dataRef, at + 32)), h2, ref low, ref middle, ref high);
                Accumulate(Reflect(Vector128.LoadUnsafe(ref dataRef, at + 48)), h, ref low, ref middle, ref high);
                x = Reduce(low, middle, high);
            }
        }

        for (; data.Length - offset >= 16; offset += 16)
        {
            x = Multiply(x ^ Reflect(Vector128.LoadUnsafe(ref dataRef, (nuint)offset)), h);
        }

        if (offset < data.Length)
        {
            Span<byte> block = stackalloc byte[16];
            block.Clear();
            data[offset..].CopyTo(block);
            x = Multiply(x ^ Reflect(Vector128.Create((ReadOnlySpan<byte>)block)), h);
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<byte> EncryptBlock(Vector128<byte> block)
    {
        var keys = _keys;
        block ^= keys[0];
        for (var round = 1; round < Rounds; round++)
        {
            block = X86Aes.Encrypt(block, keys[round]);
        }

        return X86Aes.EncryptLast(block, keys[Rounds]);
    }

    /// <summary>Reverses the 16 bytes: GHASH's bit order maps to the carry-less multiply's this way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reflect(Vector128<byte> block) =>
        Ssse3.Shuffle(block, Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));

    /// <summary>
    /// a·b in GF(2^128) with GCM's polynomial, both operands and the result byte-reflected: the
    /// 256-bit carry-less product (schoolbook, four multiplies), shifted left by one bit, then
    /// reduced modulo x^128 + x^7 + x^2 + x + 1 (Intel's "Carry-Less Multiplication and Its Usage
    /// for Computing the GCM Mode", algorithms 1, 4 and 5).
    /// </summary>
    private static Vector128<byte> Multiply(Vector128<byte> a, Vector128<byte> b)
    {
        var low = Vector128<ulong>.Zero;
        var middle = Vector128<ulong>.Zero;
        var high = Vector128<ulong>.Zero;
        Accumulate(a, b, ref low, ref middle, ref high);
        return Reduce(low, middle, high);
    }

    /// <summary>Adds the carry-less product a·b (unreduced, as low, middle and high 128-bit parts) to the sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector128<byte> a, Vector128<byte> b, ref Vector128<ulong> low, ref Vector128<ulong> middle,
        ref Vector128<ulong> high)
    {
        var a64 = a.AsUInt64();
        var b64 = b.AsUInt64();
        low ^= Pclmulqdq.CarrylessMultiply(a64, b64, 0x00);
        middle ^= Pclmulqdq.CarrylessMultiply(a64, b64, 0x10) ^ Pclmulqdq.CarrylessMultiply(a64, b64, 0x01);
        high ^= Pclmulqdq.CarrylessMultiply(a64, b64, 0x11);
    }

    /// <summary>The 256-bit product (low ⊕ middle·2^64 ⊕ high·2^128) shifted and reduced to a field element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reduce(Vector128<ulong> low, Vector128<ulong> middle, Vector128<ulong> high)
    {
        low ^= Sse2.ShiftLeftLogical128BitLane(middle, 8);
        high ^= Sse2.ShiftRightLogical128BitLane(middle, 8);

        // The product of reflected operands is one bit short: shift high:low left by one.
        var lo = low.AsUInt32();
        var hi = high.AsUInt32();
        var loCarry = Sse2.ShiftRightLogical(lo, 31);
        var hiCarry = Sse2.ShiftRightLogical(hi, 31);
        lo = Sse2.ShiftLeftLogical(lo, 1);
        hi = Sse2.ShiftLeftLogical(hi, 1);
        var crossing = Sse2.ShiftRightLogical128BitLane(loCarry, 12);
        hiCarry = Sse2.ShiftLeftLogical128BitLane(hiCarry, 4);
        loCarry = Sse2.ShiftLeftLogical128BitLane(loCarry, 4);
        lo |= loCarry;
        hi |= hiCarry | crossing;

        // Reduction, first phase.
        var t = Sse2.ShiftLeftLogical(lo, 31) ^ Sse2.ShiftLeftLogical(lo, 30) ^ Sse2.ShiftLeftLogical(lo, 25);
        var carried = Sse2.ShiftRightLogical128BitLane(t, 4);
        lo ^= Sse2.ShiftLeftLogical128BitLane(t, 12);

        // Second phase.
        var u = Sse2.ShiftRightLogical(lo, 1) ^ Sse2.ShiftRightLogical(lo, 2) ^ Sse2.ShiftRightLogical(lo, 7) ^ carried;
        lo ^= u;
        return (hi ^ lo).AsByte();
    }

    /// <summary>The AES-256 key schedule (FIPS 197) with AESKEYGENASSIST, as in Intel's AES-NI white paper.</summary>
    private static void ExpandKey(ReadOnlySpan<byte> key, Vector128<byte>[] keys)
    {
        var t1 = Vector128.Create(key[..16]);
        var t3 = Vector128.Create(key[16..32]);
        keys[0] = t1;
        keys[1] = t3;
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x01), keys, 2);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x02), keys, 4);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x04), keys, 6);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x08), keys, 8);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x10), keys, 10);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x20), keys, 12);
        t1 = FirstHalf(t1, X86Aes.KeygenAssist(t3, 0x40));
        keys[14] = t1;

        static void Step(ref Vector128<byte> t1, ref Vector128<byte> t3, Vector128<byte> assist, Vector128<byte>[] keys, int slot)
        {
            t1 = FirstHalf(t1, assist);
            keys[slot] = t1;
            t3 = SecondHalf(t1, t3);
            keys[slot + 1] = t3;
        }

        static Vector128<byte> FirstHalf(Vector128<byte> t1, Vector128<byte> assist)
        {
            var rotated = Sse2.Shuffle(assist.AsUInt32(), 0xFF).AsByte();
            return SpreadXor(t1) ^ rotated;
        }

        static Vector128<byte> SecondHalf(Vector128<byte> t1, Vector128<byte> t3)
        {
            var substituted = Sse2.Shuffle(X86Aes.KeygenAssist(t1, 0x00).AsUInt32(), 0xAA).AsByte();
            return SpreadXor(t3) ^ substituted;
        }

        // w0, w0^w1, w0^w1^w2, w0^w1^w2^w3: each word XORed with the words before it.
        static Vector128<byte> SpreadXor(Vector128<byte> t)
        {
            var shifted = Sse2.ShiftLeftLogical128BitLane(t, 4);
            t ^= shifted;
            shifted = Sse2.ShiftLeftLogical128BitLane(shifted, 4);
            t ^= shifted;
            shifted = Sse2.ShiftLeftLogical128BitLane(shifted, 4);
            return t ^ shifted;
        }
    }
}
