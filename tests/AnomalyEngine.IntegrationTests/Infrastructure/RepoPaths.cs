using AnomalyEngine.Testing;

namespace AnomalyEngine.IntegrationTests.Infrastructure;

/// <summary>Paths in the checkout, found from the test binaries.</summary>
public static class RepoPaths
{
    /// <summary>The folder holding AnomalyEngine.sln.</summary>
    public static string Root => RepoRoot.Required;

    /// <summary>The shipped model bundle.</summary>
    public static string DefaultModel => Path.Combine(Root, "models", "default");
}
