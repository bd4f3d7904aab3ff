namespace AnomalyEngine.Cli.Load;

/// <summary>How to drive the server in one load run.</summary>
internal sealed record LoadOptions
{
    /// <summary>The server, http://127.0.0.1:PORT (loopback only).</summary>
    public required Uri Target { get; init; }
    /// <summary>"unary" (Track) or "stream" (TrackStream).</summary>
    public required string Mode { get; init; }
    /// <summary>Unary: "lean" (<see cref="Lean.LeanGrpcConnection"/>) or "grpc" (Grpc.Net.Client).</summary>
    public string Client { get; init; } = "lean";
    /// <summary>The client the run's Track calls use: streams always go through Grpc.Net.Client.</summary>
    public string ClientUsed => Mode == "stream" ? "grpc" : Client;
    /// <summary>Concurrent sessions kept live.</summary>
    public int Sessions { get; init; } = 10_000;
    /// <summary>Target events/s; null with <see cref="Max"/>.</summary>
    public double? Rate { get; init; }
    /// <summary>As fast as the server answers.</summary>
    public bool Max { get; init; }
    /// <summary>Measured run length (after warm-up).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Unmeasured lead-in that warms JIT, connections and the store.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Events per request.</summary>
    public int Batch { get; init; } = 1;
    /// <summary>Unary: concurrent callers. Stream: concurrent streams.</summary>
    public int Concurrency { get; init; } = 1;
    /// <summary>Stream: requests sent but not yet answered, per stream.</summary>
    public int Window { get; init; } = 64;
    /// <summary>Stop after this many events (0: no limit).</summary>
    public long MaxEvents { get; init; }
    /// <summary>Fixed events per session, or 0 for random lengths.</summary>
    public int EventsPerSession { get; init; }
    /// <summary>Whether events carry event ids.</summary>
    public bool EventIds { get; init; } = true;
    /// <summary>Prefix of session ids.</summary>
    public string RunId { get; init; } = "load";
    /// <summary>Seed of the traffic.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Share of sessions replayed from simulated attacks (they alert), in [0, 1].</summary>
    public double AttackShare { get; init; }
    /// <summary>Live alert subscribers attached for the run (0: none).</summary>
    public int Subscribers { get; init; }
}
