using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Lockbox.Bench.Load;

/// <summary>
/// The "bare Kestrel" reference: reads the request body and answers every request with one fixed
/// JSON body. The body is shaped so the benchmark's own setup passes against it (CreateTable and
/// DescribeTable see an ACTIVE table, BatchWriteItem sees no UnprocessedItems, Scan has no
/// LastEvaluatedKey), so it can be measured as an ordinary --endpoint in the same run.
/// </summary>
internal static class BareServer
{
    private static readonly byte[] Body =
        """{"Table":{"TableStatus":"ACTIVE"},"TableDescription":{"TableStatus":"ACTIVE"},"UnprocessedItems":{},"Count":0,"ScannedCount":0,"Items":[]}"""u8.ToArray();

    public static async Task<int> RunAsync(int port)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port);
        });
        await using WebApplication app = builder.Build();
        ((IApplicationBuilder)app).Run(HandleAsync);
        Console.WriteLine($"bare Kestrel server listening on http://127.0.0.1:{port}/");
        await app.RunAsync();
        return 0;
    }

    private static async Task HandleAsync(HttpContext ctx)
    {
        PipeReader reader = ctx.Request.BodyReader;
        while (true)
        {
            ReadResult r = await reader.ReadAsync();
            reader.AdvanceTo(r.Buffer.End);
            if (r.IsCompleted || r.IsCanceled)
            {
                break;
            }
        }

        HttpResponse resp = ctx.Response;
        resp.StatusCode = 200;
        resp.ContentType = SigV4Signer.ContentType;
        resp.ContentLength = Body.Length;
        await resp.Body.WriteAsync(Body);
    }
}
