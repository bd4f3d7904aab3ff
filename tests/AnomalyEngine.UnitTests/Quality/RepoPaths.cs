using AnomalyEngine.Testing;

namespace AnomalyEngine.UnitTests.Quality;

/// <summary>Finds the repository root (the folder with AnomalyEngine.sln) and the shared HDFS data beside it.</summary>
internal static class RepoPaths
{
    public static string? Root => RepoRoot.Path;

    /// <summary>../shared/data/hdfs relative to the repository root, or null when absent.</summary>
    public static string? HdfsDir
    {
        get
        {
            if (Root is null)
            {
                return null;
            }
            var dir = Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", "hdfs"));
            return File.Exists(Path.Combine(dir, "events.jsonl")) && File.Exists(Path.Combine(dir, "labels.csv")) ? dir : null;
        }
    }

    public static string? HdfsEvents => HdfsDir is { } d ? Path.Combine(d, "events.jsonl") : null;
}

/// <summary>A fact that is skipped, with a clear message, when ../shared/data/hdfs is absent.</summary>
public sealed class HdfsDataFactAttribute : FactAttribute
{
    public HdfsDataFactAttribute()
    {
        if (RepoPaths.HdfsDir is null)
        {
            Skip = "HDFS data not found at ../shared/data/hdfs (events.jsonl + labels.csv beside the repository); quality regression not run";
        }
    }
}
