using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Storage;

namespace Lockbox.DynamoDb.Transactions;

/// <summary>
/// ClientRequestToken idempotency of TransactWriteItems (and later ExecuteTransaction).
/// <para>Design: a committed transaction's token is stored in keyspace
/// <c>dynamodb-transaction-tokens</c> in the same atomic batch as its items, keyed by
/// account, region and token, with a keyed fingerprint of the request and the instant its
/// 10-minute window ends. So the token survives exactly what the writes survive (a restart or a
/// kill -9): a retry after a crash either finds the token (and writes nothing) or finds that
/// nothing was written. A transaction that was cancelled records nothing, so a retry runs again.
/// While a request with a token runs, the token is held in memory; the same token arriving
/// meanwhile gets TransactionInProgressException.</para>
/// </summary>
public sealed class TransactionTokens
{
    /// <summary>How long a token stays bound to its request after the request completed.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private const int FingerprintLength = 16;

    private readonly IStorageEngine _storage;
    private readonly Keyspace _keyspace;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);

    public TransactionTokens(IStorageEngine storage, TimeProvider time)
    {
        _storage = storage;
        _keyspace = storage.OpenKeyspace("dynamodb-transaction-tokens");
        _time = time;
    }

    /// <summary>
    /// Starts a request that carries <paramref name="token"/>. Returns null when the token is
    /// bound (within its window) to this same request, which must then not write again; throws
    /// TransactionInProgressException while the token's first request runs and
    /// IdempotentParameterMismatchException when the token is bound to another request.
    /// Otherwise returns the claim to pass to the write and dispose after it.
    /// </summary>
    /// <param name="fingerprint">A keyed hash (16 bytes) of everything in the request but the token.</param>
    public TokenClaim? Begin(string accountId, string region, string token, byte[] fingerprint)
    {
        if (fingerprint.Length != FingerprintLength)
        {
            throw new ArgumentException("A fingerprint is 16 bytes.", nameof(fingerprint));
        }

        var name = accountId + "/" + region + "/" + token;
        if (!_running.TryAdd(name, 0))
        {
            throw TransactionErrors.InProgress();
        }

        try
        {
            var key = Encoding.UTF8.GetBytes(name);
            var stored = _storage.Get(_keyspace, key);
            if (stored is { Length: FingerprintLength + 8 }
                && BinaryPrimitives.ReadInt64BigEndian(stored.AsSpan(FingerprintLength)) > _time.GetUtcNow().ToUnixTimeMilliseconds())
            {
                if (!CryptographicOperations.FixedTimeEquals(stored.AsSpan(0, FingerprintLength), fingerprint))
                {
                    throw TransactionErrors.IdempotentParameterMismatch();
                }

                _running.TryRemove(name, out _);
                return null;
            }

            return new TokenClaim(this, name, key, fingerprint);
        }
        catch
        {
            _running.TryRemove(name, out _);
            throw;
        }
    }

    /// <summary>A token held by the request that runs with it.</summary>
    public sealed class TokenClaim : IDisposable
    {
        private readonly TransactionTokens _owner;
        private readonly string _name;
        private readonly byte[] _key;
        private readonly byte[] _fingerprint;

        internal TokenClaim(TransactionTokens owner, string name, byte[] key, byte[] fingerprint)
        {
            _owner = owner;
            _name = name;
            _key = key;
            _fingerprint = fingerprint;
        }

        /// <summary>Adds the token record to the transaction's batch (called under the item locks).</summary>
        public void AddTo(WriteBatch batch)
        {
            var value = new byte[FingerprintLength + 8];
            _fingerprint.CopyTo(value, 0);
            BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(FingerprintLength),
                (_owner._time.GetUtcNow() + Window).ToUnixTimeMilliseconds());
            batch.Put(_owner._keyspace, _key, value);
        }

        public void Dispose() => _owner._running.TryRemove(_name, out _);
    }
}
