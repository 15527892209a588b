using System.Text.Json;

namespace Lockbox.Auth.Tests;

/// <summary>Requests signed by botocore (see TestData/generate_sigv4_vectors.py).</summary>
internal sealed record SigV4Vector(
    string Name, string Method, string Path, string Query, string[][] Headers, string BodyBase64,
    string AccessKeyId, string SecretAccessKey, string? SessionToken, string Region, string Service, DateTimeOffset SignedAt)
{
    private static readonly Lazy<IReadOnlyDictionary<string, SigV4Vector>> s_all = new(Load);

    public static IReadOnlyDictionary<string, SigV4Vector> All => s_all.Value;

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    public FakeRequest ToRequest()
    {
        var request = new FakeRequest { Method = Method, RawPath = Path, RawQuery = Query, Body = Convert.FromBase64String(BodyBase64) };
        foreach (var header in Headers)
        {
            request.Header(header[0], header[1]);
        }

        return request;
    }

    private static Dictionary<string, SigV4Vector> Load()
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", "sigv4-vectors.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var result = new Dictionary<string, SigV4Vector>(StringComparer.Ordinal);
        foreach (var element in document.RootElement.GetProperty("vectors").EnumerateArray())
        {
            var vector = element.Deserialize<SigV4Vector>(options)!;
            result[vector.Name] = vector;
        }

        return result;
    }
}
