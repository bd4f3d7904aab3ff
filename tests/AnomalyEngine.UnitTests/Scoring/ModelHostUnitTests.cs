using System.Text.Json.Nodes;
using AnomalyEngine.Scoring;
using AnomalyEngine.Scoring.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnomalyEngine.UnitTests.Scoring;

public sealed class ModelHostUnitTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private string CopyBundle()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ae-unit-host-" + Guid.NewGuid().ToString("N"));
        BundleScorerUnitTests.CopyDir(fixture.Dir, dir);
        return dir;
    }

    private static ModelHost Host(string dir) => new(new ModelHostOptions { BundlePath = dir, WatchForChanges = false }, NullLogger<ModelHost>.Instance);

    [Fact]
    public void Reload_with_a_mismatched_schema_is_refused_and_the_old_scorer_stays()
    {
        var live = CopyBundle();
        var other = CopyBundle();
        try
        {
            using var host = Host(live);
            var before = host.Scorer;
            var manifestPath = Path.Combine(other, "manifest.json");
            var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
            json["featureSchemaHash"] = "0000000000000000";
            File.WriteAllText(manifestPath, json.ToJsonString());

            var ex = Assert.Throws<ModelLoadException>(() => host.Reload(other));
            Assert.Contains("manifest.json", ex.Message);
            Assert.Contains("feature schema hash", ex.Message);
            Assert.Same(before, host.Scorer);
            Assert.Equal(Path.GetFullPath(live), host.BundlePath);
        }
        finally
        {
            Directory.Delete(live, true);
            Directory.Delete(other, true);
        }
    }

    [Fact]
    public void Reload_of_a_broken_file_names_it_and_keeps_the_old_model()
    {
        var live = CopyBundle();
        try
        {
            using var host = Host(live);
            var before = host.Scorer;
            File.WriteAllText(Path.Combine(live, "calibration.json"), "{ not json");
            var ex = Assert.Throws<ModelLoadException>(() => host.Reload());
            Assert.Contains("calibration.json", ex.Message);
            Assert.Same(before, host.Scorer);
        }
        finally
        {
            Directory.Delete(live, true);
        }
    }

    [Fact]
    public void Reload_of_a_new_bundle_swaps_the_scorer()
    {
        var live = CopyBundle();
        var next = Path.Combine(Path.GetTempPath(), "ae-unit-next-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var host = Host(live);
            var before = host.Scorer;
            new ModelTrainer(new ModelTrainerOptions { Seed = 9, MinGroupRows = 200 })
                .TrainToBundle(SyntheticSessions.Humans(300, seed: 2), null, next, null);
            var manifest = host.Reload(next);
            Assert.NotSame(before, host.Scorer);
            Assert.Equal(manifest.Version, host.Scorer.ModelVersion);
            Assert.Equal(Path.GetFullPath(next), host.BundlePath);
        }
        finally
        {
            Directory.Delete(live, true);
            Directory.Delete(next, true);
        }
    }

    [Fact]
    public void Watcher_reloads_when_the_manifest_changes()
    {
        var live = CopyBundle();
        var next = Path.Combine(Path.GetTempPath(), "ae-unit-watch-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var host = new ModelHost(new ModelHostOptions { BundlePath = live, WatchForChanges = true }, NullLogger<ModelHost>.Instance);
            var before = host.Scorer;
            using var reloaded = new ManualResetEventSlim();
            host.Reloaded += _ => reloaded.Set();
            var manifest = new ModelTrainer(new ModelTrainerOptions { Seed = 12, MinGroupRows = 200 })
                .TrainToBundle(SyntheticSessions.Humans(300, seed: 8), null, next, null);
            // Deploy like an operator would: data files first, manifest last.
            foreach (var f in Directory.GetFiles(next))
            {
                if (Path.GetFileName(f) != "manifest.json")
                {
                    File.Copy(f, Path.Combine(live, Path.GetFileName(f)), true);
                }
            }
            File.Copy(Path.Combine(next, "manifest.json"), Path.Combine(live, "manifest.json"), true);

            // A generous wait for the file event, not a speed assertion.
            Assert.True(reloaded.Wait(TimeSpan.FromSeconds(30)), "no reload after manifest.json changed");
            Assert.NotSame(before, host.Scorer);
            Assert.Equal(manifest.Version, host.Manifest.Version);
        }
        finally
        {
            Directory.Delete(live, true);
            Directory.Delete(next, true);
        }
    }

    [Fact]
    public void Missing_bundle_fails_with_a_clear_message()
    {
        var ex = Assert.Throws<ModelLoadException>(() => Host(Path.Combine(Path.GetTempPath(), "ae-no-such-bundle")));
        Assert.Contains("ae-no-such-bundle", ex.Message);
    }
}
