namespace AnomalyEngine.Simulation;

/// <summary>
/// A small seeded generator (xoshiro256**, seeded through SplitMix64) with the distributions the
/// simulator needs. Our own implementation rather than <see cref="Random"/> because the output must
/// be byte-identical for a seed across runtimes and versions, which <see cref="Random"/> does not promise.
/// </summary>
public sealed class SimRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator for one stream, e.g. one session, derived from a seed and a stream number.</summary>
    public SimRandom(long seed, long stream = 0)
    {
        var x = Mix((ulong)seed) ^ Mix((ulong)stream * 0xD1B54A32D192ED03UL + 0x8CB92BA72F3D8DD7UL);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>
    /// The SplitMix64 finaliser: a bijection on 64-bit values, so distinct inputs give distinct outputs.
    /// Used to build ids that look random yet cannot collide.
    /// </summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return Mix(x);
    }

    /// <summary>The next raw 64 bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [min, maxExclusive).</summary>
    public int Next(int min, int maxExclusive)
    {
        if (maxExclusive <= min)
        {
            return min;
        }
        return min + (int)(NextDouble() * (maxExclusive - min));
    }

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + NextDouble() * (max - min);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box–Muller; one value per call keeps the stream simple to reason about).</summary>
    public double Normal()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Log-normal with the given median and log-space sigma: heavy-tailed, always positive.</summary>
    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * Normal());

    /// <summary>Log-normal milliseconds clamped to [min, max], for dwell times and gaps.</summary>
    public long LogNormalMs(double medianMs, double sigma, long minMs, long maxMs)
        => Math.Clamp((long)LogNormal(medianMs, sigma), minMs, maxMs);

    /// <summary>Picks an index with probability proportional to its weight.</summary>
    public int Pick(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }
        var r = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            r -= weights[i];
            if (r < 0)
            {
                return i;
            }
        }
        return weights.Length - 1;
    }

    /// <summary>A uniformly chosen element.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count)];
}

/// <summary>
/// Draws ranks 1..n with probability proportional to 1/rank^s from a precomputed CDF, so a few
/// products (or users) get most of the traffic, as on real sites.
/// </summary>
public sealed class ZipfSampler
{
    private readonly double[] _cdf;

    /// <summary>Builds the CDF for <paramref name="n"/> ranks and exponent <paramref name="s"/>.</summary>
    public ZipfSampler(int n, double s)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        _cdf = new double[n];
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, s);
            _cdf[i] = sum;
        }
        for (var i = 0; i < n; i++)
        {
            _cdf[i] /= sum;
        }
    }

    /// <summary>Number of ranks.</summary>
    public int Count => _cdf.Length;

    /// <summary>A rank in [0, n), 0 the most popular.</summary>
    public int Sample(SimRandom rng)
    {
        var idx = Array.BinarySearch(_cdf, rng.NextDouble());
        if (idx < 0)
        {
            idx = ~idx;
        }
        return Math.Min(idx, _cdf.Length - 1);
    }
}
