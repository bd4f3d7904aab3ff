using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Models;

/// <summary>The live model over gRPC: its manifest, reloads that swap, reloads that are refused, and labels.</summary>
public sealed class ModelServiceTests : IAsyncLifetime
{
    private readonly string _models = Path.Combine(Path.GetTempPath(), "ae-models-" + Guid.NewGuid().ToString("N"));
    private EngineServer _server = null!;

    public async Task InitializeAsync()
    {
        // A private copy of the shipped bundle, so reload tests can break files without touching models/.
        CopyDirectory(RepoPaths.DefaultModel, Path.Combine(_models, "live"));
        _server = await EngineServer.StartAsync(new Dictionary<string, string?> { ["Model:BundlePath"] = Path.Combine(_models, "live") });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_models, recursive: true);
    }

    [Fact]
    public async Task GetModelInfo_reports_the_shipped_manifest_and_verdicts_carry_its_version()
    {
        var info = await _server.Models.GetModelInfoAsync(new GetModelInfoRequest());
        var s = TestStore.SessionId(nameof(GetModelInfo_reports_the_shipped_manifest_and_verdicts_carry_its_version));
        var verdict = (await _server.Scoring.TrackAsync(Batch(View(s, "/", T0)))).Verdicts[0];

        Assert.False(string.IsNullOrEmpty(info.Version));
        Assert.NotEmpty(info.Features);
        Assert.InRange(info.AlertThreshold, 0.5, 1.0);
        Assert.Contains(info.Version, info.ManifestJson);
        Assert.Equal(info.Version, verdict.ModelVersion);
    }

    [Fact]
    public async Task A_broken_bundle_is_refused_and_the_old_model_keeps_scoring()
    {
        var before = await _server.Models.GetModelInfoAsync(new GetModelInfoRequest());
        var broken = Path.Combine(_models, "broken");
        CopyDirectory(Path.Combine(_models, "live"), broken);
        await File.WriteAllTextAsync(Path.Combine(broken, "pca.zip"), "not a zip");

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _server.Models.ReloadModelAsync(new ReloadModelRequest { Path = broken }));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("pca.zip", ex.Status.Detail);
        var after = await _server.Models.GetModelInfoAsync(new GetModelInfoRequest());
        Assert.Equal(before.Version, after.Version);
        var s = TestStore.SessionId(nameof(A_broken_bundle_is_refused_and_the_old_model_keeps_scoring));
        Assert.Equal(before.Version, (await _server.Scoring.TrackAsync(Batch(View(s, "/", T0)))).Verdicts[0].ModelVersion);
    }

    [Fact]
    public async Task A_bundle_outside_the_models_folder_is_not_loaded()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _server.Models.ReloadModelAsync(new ReloadModelRequest { Path = "/etc" }));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("path", ex.Status.Detail);
    }

    [Fact]
    public async Task Reloading_a_good_bundle_swaps_it_in()
    {
        var other = Path.Combine(_models, "other");
        CopyDirectory(Path.Combine(_models, "live"), other);

        var info = await _server.Models.ReloadModelAsync(new ReloadModelRequest { Path = other });

        Assert.Equal(other, info.Path);
        var now = await _server.Models.GetModelInfoAsync(new GetModelInfoRequest());
        Assert.Equal(other, now.Path);
    }

    [Fact]
    public async Task Labels_are_stored_per_session_and_exported()
    {
        var s = TestStore.SessionId(nameof(Labels_are_stored_per_session_and_exported));
        await _server.Models.LabelSessionAsync(new LabelSessionRequest { SessionId = s, Anomalous = false });
        await _server.Models.LabelSessionAsync(new LabelSessionRequest { SessionId = s, Anomalous = true, Class = "account_takeover", Note = "confirmed by the customer" });

        using var call = _server.Models.ExportLabels(new ExportLabelsRequest());
        var labels = new List<SessionLabel>();
        await foreach (var l in call.ResponseStream.ReadAllAsync())
        {
            labels.Add(l);
        }

        var mine = Assert.Single(labels, l => l.SessionId == s);
        Assert.True(mine.Anomalous);
        Assert.Equal("account_takeover", mine.Class);
        var bad = await Assert.ThrowsAsync<RpcException>(async () => await _server.Models.LabelSessionAsync(new LabelSessionRequest { SessionId = "" }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
