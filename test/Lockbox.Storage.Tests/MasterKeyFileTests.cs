using System.Security.Cryptography;
using System.Text;
using Lockbox.Kms.Envelope;

namespace Lockbox.Storage.Tests;

/// <summary>
/// The master key file and its environment override. These tests change a process-wide
/// environment variable, so they run in their own non-parallel collection.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(nameof(MasterKeyFileTests))]
[CollectionDefinition(nameof(MasterKeyFileTests), DisableParallelization = true)]
public sealed class MasterKeyFileTests : IDisposable
{
    private readonly TempDirectory _directory = new("lockbox-kms");
    private readonly string? _savedEnvironment = Environment.GetEnvironmentVariable(MasterKey.EnvironmentVariable);

    public MasterKeyFileTests() => Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, null);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, _savedEnvironment);
        _directory.Dispose();
    }

    private string KeyPath => Path.Combine(_directory.Path, "master.key");

    [Fact]
    public void Creates_a_0600_key_file_on_first_use_and_reuses_it()
    {
        var dataDirectory = Path.Combine(_directory.Path, "not-yet-there");
        var path = Path.Combine(dataDirectory, "master.key");
        byte[] sealedData;
        using (var first = MasterKey.LoadOrCreate(dataDirectory))
        {
            sealedData = first.Seal(Encoding.UTF8.GetBytes("hello"), [7]);
        }

        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(path).Trim()).Length);
        Assert.Single(Directory.GetFiles(dataDirectory));

        using var second = MasterKey.LoadOrCreate(dataDirectory);
        Assert.Equal("hello", Encoding.UTF8.GetString(second.Open(sealedData, [7])));
    }

    [Fact]
    public void Loosened_key_file_permissions_are_tightened()
    {
        using (MasterKey.LoadOrCreate(_directory.Path))
        {
        }

        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using (MasterKey.LoadOrCreate(_directory.Path))
        {
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
    }

    [Fact]
    public void Environment_variable_overrides_the_file_and_writes_nothing()
    {
        var raw = RandomNumberGenerator.GetBytes(32);
        Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, Convert.ToBase64String(raw));
        byte[] sealedData;
        using (var fromEnvironment = MasterKey.LoadOrCreate(_directory.Path))
        {
            sealedData = fromEnvironment.Seal([1, 2, 3], []);
        }

        Assert.False(File.Exists(KeyPath));
        using var fromBytes = MasterKey.FromBytes(raw);
        Assert.Equal([1, 2, 3], fromBytes.Open(sealedData, []));
    }

    [Fact]
    public void Malformed_keys_are_rejected()
    {
        Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, Convert.ToBase64String(new byte[16]));
        Assert.ThrowsAny<CryptographicException>(() => MasterKey.LoadOrCreate(_directory.Path));
        Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, "not base64!");
        Assert.ThrowsAny<CryptographicException>(() => MasterKey.LoadOrCreate(_directory.Path));

        Environment.SetEnvironmentVariable(MasterKey.EnvironmentVariable, null);
        File.WriteAllText(KeyPath, Convert.ToBase64String(new byte[33]));
        Assert.ThrowsAny<CryptographicException>(() => MasterKey.LoadOrCreate(_directory.Path));
    }

    [Fact]
    public void Concurrent_first_use_agrees_on_one_key()
    {
        var keys = new MasterKey[8];
        Parallel.For(0, keys.Length, i => keys[i] = MasterKey.LoadOrCreate(_directory.Path));
        var sealedData = keys[0].Seal([42], []);
        Assert.All(keys, k => Assert.Equal([42], k.Open(sealedData, [])));
        Assert.Single(Directory.GetFiles(_directory.Path));
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}
