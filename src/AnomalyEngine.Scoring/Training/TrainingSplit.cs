namespace AnomalyEngine.Scoring.Training;

/// <summary>
/// Seeded, order-independent session splits: a session's side depends only on its id, the seed and
/// the purpose, so evaluate can recompute which sessions a bundle was trained on from its manifest
/// (seed, fraction) without storing the ids.
/// </summary>
public static class TrainingSplit
{
    /// <summary>Purpose of the train/evaluate split.</summary>
    public const string TrainSalt = "train";
    /// <summary>Purpose of the fit/calibration split inside training.</summary>
    public const string CalibrationSalt = "calibration";

    /// <summary>A uniform number in [0,1) from the session id, seed and salt (FNV-1a 64 + a finalizer).</summary>
    public static double Unit(string sessionId, int seed, string salt)
    {
        const ulong prime = 1099511628211;
        var h = 14695981039346656037UL ^ (ulong)(uint)seed;
        foreach (var c in salt)
        {
            h = (h ^ c) * prime;
        }
        h = (h ^ 0x1F) * prime;
        foreach (var c in sessionId)
        {
            h = (h ^ c) * prime;
        }
        // SplitMix64 finalizer: FNV alone leaves the high bits poorly mixed for similar ids.
        h ^= h >> 30;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBUL;
        h ^= h >> 31;
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Whether a session falls in the training share <paramref name="fraction"/>.</summary>
    public static bool InTrainingShare(string sessionId, int seed, double fraction)
        => fraction >= 1.0 || Unit(sessionId, seed, TrainSalt) < fraction;

    /// <summary>Whether a training session is held out for calibration.</summary>
    public static bool InCalibrationShare(string sessionId, int seed, double fraction)
        => Unit(sessionId, seed, CalibrationSalt) < fraction;
}
