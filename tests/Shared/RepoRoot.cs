namespace AnomalyEngine.Testing;

/// <summary>
/// The checkout's root — the folder holding AnomalyEngine.sln — found by walking up from the test or
/// benchmark binaries; null when they run outside a checkout. One source file, linked into the unit
/// tests, the integration tests and the benchmarks.
/// </summary>
internal static class RepoRoot
{
    public static string? Path { get; } = Find();

    /// <summary>The root, or an exception saying where it was looked for.</summary>
    public static string Required =>
        Path ?? throw new InvalidOperationException("AnomalyEngine.sln not found above " + AppContext.BaseDirectory);

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AnomalyEngine.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
