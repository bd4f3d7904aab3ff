namespace AnomalyEngine.IntegrationTests.Infrastructure;

/// <summary>Paths in the checkout, found from the test binaries.</summary>
public static class RepoPaths
{
    /// <summary>The folder holding AnomalyEngine.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The shipped model bundle.</summary>
    public static string DefaultModel => Path.Combine(Root, "models", "default");

    /// <summary>The shared data folder beside the checkout (may be absent).</summary>
    public static string SharedData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AnomalyEngine.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("AnomalyEngine.sln not found above " + AppContext.BaseDirectory);
    }
}
