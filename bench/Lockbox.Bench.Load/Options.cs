using System.Globalization;

namespace Lockbox.Bench.Load;

internal sealed class Options
{
    public static readonly string[] AllOps = ["get", "put", "query", "batchwrite", "scan"];

    /// <summary>Ops run only when named: transact10 (TransactWriteItems of 10 puts), which peers such as dynalite lack.</summary>
    public static readonly string[] ExtraOps = ["transact10"];

    public List<string> Endpoints { get; } = [];
    public List<string> Labels { get; } = [];
    public List<int> Pids { get; } = [];
    public List<int> Connections { get; } = [];
    public List<string> Ops { get; } = [];
    public double DurationSeconds { get; set; } = 10;
    public double WarmupSeconds { get; set; } = 3;
    public string AccessKey { get; set; } = "";
    public string SecretKey { get; set; } = "";
    public string SessionToken { get; set; } = "";
    public string Region { get; set; } = "us-east-1";
    public int Items { get; set; } = 10_000;
    public int Rounds { get; set; } = 1;
    public string? JsonPath { get; set; }
    public bool Raw { get; set; }
    public int? BareServerPort { get; set; }
    public int Seed { get; set; } = Environment.TickCount;
    public bool KeepTables { get; set; }

    public string? StreamViewType { get; set; }
    public bool GlobalIndex { get; set; }
    public int ExpiredItems { get; set; }
    public long ExpiresIn { get; set; } = -3600;
    public bool WaitForTimeToLive { get; set; }
    public bool SignCheck { get; set; }
    public bool Help { get; set; }
    public BenchClient Client { get; set; } = BenchClient.Raw;

    public const string Usage = """
        Lockbox.Bench.Load: closed-loop load generator for DynamoDB-compatible endpoints.

          --endpoint URL        endpoint to measure (repeat for side-by-side; interleaved per op)
          --label NAME          label for the endpoint at the same position (default: host:port)
          --pid PID             optional server process id per endpoint (0 = unknown), to report its CPU
          --connections N       concurrent workers = connections (repeat or comma list; default 16)
          --duration S          measured seconds per endpoint x connections x op (default 10)
          --warmup S            warmup seconds before each measurement (default 3)
          --ops LIST            get,put,query,batchwrite,scan (default: all); also transact10
                                (TransactWriteItems of 10 puts), only when named
          --rounds N            repeat the whole matrix N times and report medians (default 1)
          --items N             preloaded items, 10 sort keys per partition (default 10000)
          --access-key K        SigV4 access key  (default: $AWS_ACCESS_KEY_ID or "bench")
          --secret-key S        SigV4 secret key  (default: $AWS_SECRET_ACCESS_KEY or "bench")
          --session-token T     session token of temporary credentials (default: $AWS_SESSION_TOKEN)
          --region R            SigV4 region (default us-east-1)
          --json FILE           also write results as JSON
          --raw                 only GET / (health) to measure the bare HTTP request rate
          --client KIND         raw (default): hand-written HTTP/1.1 over one socket per worker, driven
                                from .NET's epoll threads, cheap for the generator; httpclient: .NET's
                                HttpClient (costs the generator several times more CPU, which a 2-core
                                machine takes from the server)
          --seed N              random seed for keys
          --keep-tables         do not delete the bench tables at the end
          --stream VIEW         create the bench table with a stream (KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES)
          --gsi                 create the bench table with a global secondary index on name (projection ALL)
          --expired-items N     also load a second table with N items whose TTL attribute "exp" is already
                                in the past, then enable TTL on it, so the server sweeps while ops are measured
          --expires-in SECONDS  the "exp" of those items relative to now (default -3600: expired an hour ago;
                                a positive value loads items that are not expired, to measure a sweep that finds nothing)
          --wait-ttl-enabled    after enabling TTL on that table, wait until DescribeTimeToLive says ENABLED (its
                                expiry index built) before measuring, so the measurement sees the sweep alone
          --bare-server PORT    run a minimal Kestrel server on 127.0.0.1:PORT answering a fixed
                                DynamoDB-shaped JSON body (usable as an --endpoint) and nothing else
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next()
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"{a} needs a value");
                }

                return args[++i];
            }

            switch (a)
            {
                case "--endpoint": o.Endpoints.Add(Next().TrimEnd('/')); break;
                case "--label": o.Labels.Add(Next()); break;
                case "--pid": o.Pids.Add(ParseInt(a, Next())); break;
                case "--connections":
                    foreach (string c in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        o.Connections.Add(ParseInt(a, c));
                    }

                    break;
                case "--duration": o.DurationSeconds = ParseDouble(a, Next()); break;
                case "--warmup": o.WarmupSeconds = ParseDouble(a, Next()); break;
                case "--ops":
                    foreach (string op in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        string lower = op.ToLowerInvariant();
                        if (Array.IndexOf(AllOps, lower) < 0 && Array.IndexOf(ExtraOps, lower) < 0)
                        {
                            throw new ArgumentException($"unknown op '{op}' (known: {string.Join(',', AllOps)})");
                        }

                        o.Ops.Add(lower);
                    }

                    break;
                case "--access-key": o.AccessKey = Next(); break;
                case "--secret-key": o.SecretKey = Next(); break;
                case "--session-token": o.SessionToken = Next(); break;
                case "--region": o.Region = Next(); break;
                case "--items": o.Items = ParseInt(a, Next()); break;
                case "--rounds": o.Rounds = ParseInt(a, Next()); break;
                case "--json": o.JsonPath = Next(); break;
                case "--raw": o.Raw = true; break;
                case "--client":
                    o.Client = Next() switch
                    {
                        "raw" => BenchClient.Raw,
                        "httpclient" => BenchClient.HttpClient,
                        string other => throw new ArgumentException($"--client must be raw or httpclient, not '{other}'"),
                    };
                    break;
                case "--seed": o.Seed = ParseInt(a, Next()); break;
                case "--keep-tables": o.KeepTables = true; break;
                case "--stream": o.StreamViewType = Next(); break;
                case "--gsi": o.GlobalIndex = true; break;
                case "--expired-items": o.ExpiredItems = ParseInt(a, Next()); break;
                case "--expires-in": o.ExpiresIn = ParseInt(a, Next()); break;
                case "--wait-ttl-enabled": o.WaitForTimeToLive = true; break;
                case "--bare-server": o.BareServerPort = ParseInt(a, Next()); break;
                case "--sign-check": o.SignCheck = true; break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new ArgumentException($"unknown argument '{a}'");
            }
        }

        if (o.Help || o.BareServerPort is not null || o.SignCheck)
        {
            return o;
        }

        if (o.Endpoints.Count == 0)
        {
            throw new ArgumentException("at least one --endpoint is required");
        }

        foreach (string e in o.Endpoints)
        {
            if (!Uri.TryCreate(e, UriKind.Absolute, out Uri? u) || u.Scheme != Uri.UriSchemeHttp)
            {
                throw new ArgumentException($"endpoint '{e}' must be an http:// URL");
            }
        }

        if (o.Labels.Count > o.Endpoints.Count)
        {
            throw new ArgumentException("more --label than --endpoint values");
        }

        for (int i = o.Labels.Count; i < o.Endpoints.Count; i++)
        {
            o.Labels.Add(new Uri(o.Endpoints[i]).Authority);
        }

        if (o.Connections.Count == 0)
        {
            o.Connections.Add(16);
        }

        if (o.Connections.Any(c => c < 1 || c > 4096))
        {
            throw new ArgumentException("--connections must be 1..4096");
        }

        if (o.Ops.Count == 0)
        {
            o.Ops.AddRange(AllOps);
        }

        if (o.DurationSeconds <= 0 || o.DurationSeconds > 3600 || o.WarmupSeconds < 0 || o.WarmupSeconds > 600)
        {
            throw new ArgumentException("--duration must be in (0, 3600] and --warmup in [0, 600]");
        }

        if (o.Rounds < 1 || o.Rounds > 100)
        {
            throw new ArgumentException("--rounds must be 1..100");
        }

        if (o.Items < 100 || o.Items > 10_000_000)
        {
            throw new ArgumentException("--items must be 100..10000000");
        }

        o.Items = (o.Items + 9) / 10 * 10;
        if (o.AccessKey.Length == 0)
        {
            o.AccessKey = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "bench";
        }

        if (o.SecretKey.Length == 0)
        {
            o.SecretKey = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "bench";
        }

        if (o.SessionToken.Length == 0)
        {
            o.SessionToken = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN") ?? "";
        }

        return o;
    }

    private static int ParseInt(string name, string v)
        => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) ? r : throw new ArgumentException($"{name}: '{v}' is not an integer");

    private static double ParseDouble(string name, string v)
        => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) ? r : throw new ArgumentException($"{name}: '{v}' is not a number");
}

/// <summary>How the workers send their requests.</summary>
internal enum BenchClient
{
    /// <summary>One hand-driven HTTP/1.1 socket per worker (<see cref="RawHttpConnection"/>), driven from the epoll threads.</summary>
    Raw,

    /// <summary>.NET's HttpClient with a connection pool of one connection per worker.</summary>
    HttpClient,
}
