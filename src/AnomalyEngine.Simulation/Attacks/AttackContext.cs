namespace AnomalyEngine.Simulation.Attacks;

/// <summary>What an attack generator needs besides the session builder.</summary>
/// <param name="Intensity">Scales counts up and gaps down; 1 is the documented pattern.</param>
/// <param name="Subtle">Generate the harder-to-catch variant.</param>
/// <param name="Population">Registered users, for victims.</param>
internal readonly record struct AttackContext(double Intensity, bool Subtle, Population Population)
{
    /// <summary>A count drawn uniformly from [min, max] and scaled by intensity (at least <paramref name="floor"/>).</summary>
    public int Count(SimRandom rng, int min, int max, int floor = 1)
        => Math.Max(floor, (int)Math.Round(rng.Next(min, max + 1) * Intensity));

    /// <summary>A gap median scaled down by intensity: a more intense attack also goes faster (square root, so it stays plausible).</summary>
    public double Gap(double medianMs) => medianMs / Math.Sqrt(Intensity);
}
