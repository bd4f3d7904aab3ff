using AnomalyEngine.Server.Hosting;
using AnomalyEngine.State.Keys;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// How many replicas of this deployment are alive, for cluster-wide rate limits
/// (<see cref="LimitsOptions.Scope"/>): every replica stamps its id in one sorted set every second,
/// drops ids not stamped for <see cref="Expiry"/> and counts the rest, so each replica admits
/// rate / N. A load balancer that spreads calls evenly then admits the tenant's rate in all;
/// an uneven one admits less, never more. Scaling out or in, or a replica's crash, is seen within
/// <see cref="Expiry"/>. While the store is away the last count stays.
/// With <see cref="RateLimitScope.Replica"/> it counts 1 and touches no store.
/// </summary>
public sealed class ReplicaCensus : IHostedService, IDisposable
{
    /// <summary>How often a replica stamps itself.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    /// <summary>A replica not stamped for this long is no longer counted.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(5);

    private readonly IConnectionMultiplexer? _redis;
    private readonly RedisKey _key;
    private readonly RedisValue _id = Guid.NewGuid().ToString("N");
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private ITimer? _timer;
    private int _beating;
    private bool _failing;
    private volatile int _replicas = 1;

    /// <summary>Counts the deployment's replicas in the store when limits are cluster-wide.</summary>
    public ReplicaCensus(IOptions<LimitsOptions> limits, IConnectionMultiplexer redis, TimeProvider time, ILogger<ReplicaCensus> logger)
    {
        _redis = limits.Value.Scope == RateLimitScope.Cluster ? redis : null;
        _key = RedisKeys.Replicas(limits.Value.Deployment);
        _time = time;
        _logger = logger;
    }

    private ReplicaCensus(int replicas)
    {
        _time = TimeProvider.System;
        _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _replicas = replicas;
    }

    /// <summary>A census that always counts <paramref name="replicas"/> (tests of the rate limiter).</summary>
    public static ReplicaCensus Fixed(int replicas) => new(replicas);

    /// <summary>Live replicas of the deployment, this one included (1 with per-replica limits).</summary>
    public int Replicas => _replicas;

    /// <summary>Stamps once before the server takes calls, so it never starts with the whole budget.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            return;
        }
        await BeatAsync();
        _timer = _time.CreateTimer(_ => _ = BeatAsync(), null, Period, Period);
    }

    /// <summary>Leaves the census, so the others take over this replica's share at once.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        if (_redis is null)
        {
            return;
        }
        try
        {
            await _redis.GetDatabase().SortedSetRemoveAsync(_key, _id).WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
            // The entry expires by itself within Expiry.
        }
    }

    private async Task BeatAsync()
    {
        if (Interlocked.Exchange(ref _beating, 1) == 1)
        {
            return; // The previous beat is still waiting on the store.
        }
        try
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var batch = _redis!.GetDatabase().CreateBatch();
            var stamp = batch.SortedSetAddAsync(_key, _id, now);
            var trim = batch.SortedSetRemoveRangeByScoreAsync(_key, double.NegativeInfinity, now - Expiry.TotalMilliseconds, Exclude.Stop);
            var count = batch.SortedSetLengthAsync(_key);
            var expire = batch.KeyExpireAsync(_key, Expiry * 12); // an abandoned deployment's set goes away
            batch.Execute();
            await Task.WhenAll(stamp, trim, count, expire);
            var replicas = (int)Math.Max(1, count.Result);
            if (replicas != _replicas)
            {
                Log.ReplicasCounted(_logger, replicas);
            }
            _replicas = replicas;
            _failing = false;
        }
        catch (Exception ex)
        {
            // A heartbeat runs on a timer: nothing awaits it, so every failure ends here, logged once.
            if (!_failing)
            {
                Log.ReplicaCensusFailed(_logger, _replicas, ex.GetType().Name);
                _failing = true;
            }
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();
}
