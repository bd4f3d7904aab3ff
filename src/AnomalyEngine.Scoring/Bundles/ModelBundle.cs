using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Scoring.Calibration;
using AnomalyEngine.Scoring.Models;
using AnomalyEngine.Scoring.Training;
using Microsoft.ML;

namespace AnomalyEngine.Scoring.Bundles;

/// <summary>A loaded bundle: its manifest and the scorer built from it.</summary>
public sealed record LoadedBundle(ModelManifest Manifest, BundleSessionScorer Scorer);

/// <summary>
/// A model bundle is a folder: <c>manifest.json</c> (version, schema hash, threshold, training
/// summary), <c>baselines.json</c>, <c>calibration.json</c>, <c>pca.zip</c> (ML.NET RandomizedPca)
/// and optionally <c>supervised.zip</c> (ML.NET LightGbm). manifest.json is written last, via
/// rename, so a watcher that reloads on it always finds the other files complete.
/// </summary>
public static class ModelBundle
{
    /// <summary>Manifest file name.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>How the combination works, recorded in every manifest.</summary>
    public static readonly string CombinationText = string.Create(CultureInfo.InvariantCulture,
        $"Each component (detector features, PCA relative error, PCA residual, magnitude, supervised probability when present) " +
        $"becomes a surprise -ln P(normal training prefix of the same length group >= value); raw = max + {ScoringModel.SumWeight} * sum of surprises, the three PCA components counting once with their largest; " +
        $"score = share of held-out normal sessions whose max raw over all prefixes is lower (interpolated, strictly increasing).");

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes a trained model as a bundle folder and returns its manifest.</summary>
    public static ModelManifest Save(TrainingResult result, string dir, DateTimeOffset? created = null)
    {
        Directory.CreateDirectory(dir);
        var model = result.Model;
        var baselinesJson = JsonSerializer.SerializeToUtf8Bytes(BundleMapper.ToDto(model.Baselines), Json);
        var calibrationJson = JsonSerializer.SerializeToUtf8Bytes(BundleMapper.ToDto(model, result.Calibration), Json);
        File.WriteAllBytes(Path.Combine(dir, "baselines.json"), baselinesJson);
        File.WriteAllBytes(Path.Combine(dir, "calibration.json"), calibrationJson);
        result.Ml.Model.Save(result.PcaModel, result.PcaSchema, Path.Combine(dir, "pca.zip"));
        string? supervisedFile = null;
        if (result.Supervised is not null)
        {
            supervisedFile = "supervised.zip";
            var schema = result.Ml.Data.LoadFromEnumerable(new List<FeatureRow>()).Schema;
            result.Ml.Model.Save(result.Supervised.Model, schema, Path.Combine(dir, supervisedFile));
        }
        else
        {
            File.Delete(Path.Combine(dir, "supervised.zip"));
        }

        var when = created ?? DateTimeOffset.UtcNow;
        var hash = Convert.ToHexStringLower(SHA256.HashData([.. baselinesJson, .. calibrationJson]))[..8];
        var thresholder = new AlertThresholder(result.AlertThreshold);
        var bands = thresholder.Bands;
        var s = result.Summary;
        var o = result.Options;
        var manifest = new ManifestV1
        {
            Version = $"{when.UtcDateTime:yyyyMMdd-HHmmss}-{hash}",
            Created = when,
            FeatureSchemaHash = FeatureSchema.Hash,
            Features = [.. FeatureSchema.Names],
            AlertThreshold = result.AlertThreshold,
            TargetFpr = o.TargetFpr,
            SeverityBands = new SeverityBandsV1 { Low = bands.Low, Medium = bands.Medium, High = bands.High, Critical = bands.Critical },
            Split = new SplitV1
            {
                Seed = o.Seed, TrainFraction = o.TrainFraction, NormalOnly = o.NormalOnly,
                Labelled = result.Labelled, CalibrationFraction = o.CalibrationFraction,
                CalibrationFolds = s.CalibrationFolds,
            },
            Training = new TrainingMetricsV1
            {
                Sessions = s.Sessions, Events = s.Events, TrainingSessions = s.TrainingSessions, FitSessions = s.FitSessions,
                FitEvents = s.FitEvents, CalibrationSessions = s.CalibrationSessions, CalibrationEvents = s.CalibrationEvents,
                AnomalousTrainingSessions = s.AnomalousTrainingSessions, PrefixRows = s.PrefixRows, SupervisedRows = s.SupervisedRows,
                Vocabulary = s.Vocabulary, Transitions = s.Transitions, LengthGroups = s.LengthGroups,
                CalibrationAlerts = s.CalibrationAlerts, CalibrationFpr = s.CalibrationFpr, Seconds = Math.Round(s.Seconds, 3),
                PcaRank = model.Pca.Rank,
            },
            Files = new FilesV1 { Supervised = supervisedFile },
            Combination = CombinationText,
        };
        foreach (var c in model.Components)
        {
            manifest.Components.Add(new ComponentV1 { Name = c.Name, Detector = c.Detector });
        }
        var text = JsonSerializer.Serialize(manifest, Json);
        var tmp = Path.Combine(dir, ManifestFile + ".tmp");
        File.WriteAllText(tmp, text);
        File.Move(tmp, Path.Combine(dir, ManifestFile), overwrite: true);
        return new ModelManifest(manifest, text, Path.GetFullPath(dir));
    }

    /// <summary>Loads a bundle folder; every failure is a <see cref="ModelLoadException"/> naming the file.</summary>
    public static LoadedBundle Load(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new ModelLoadException($"model bundle folder not found: {Path.GetFullPath(dir)}");
        }
        var manifestPath = Path.Combine(dir, ManifestFile);
        var (manifestDto, raw) = ReadJson<ManifestV1>(manifestPath);
        if (manifestDto.FormatVersion != 1)
        {
            throw new ModelLoadException($"{manifestPath}: unsupported format version {manifestDto.FormatVersion} (this build reads 1)");
        }
        if (manifestDto.FeatureSchemaHash != FeatureSchema.Hash)
        {
            throw new ModelLoadException(
                $"{manifestPath}: feature schema hash {manifestDto.FeatureSchemaHash} does not match this build's {FeatureSchema.Hash}; retrain the bundle with this version");
        }
        if (manifestDto.AlertThreshold is <= 0 or > 1 || double.IsNaN(manifestDto.AlertThreshold))
        {
            throw new ModelLoadException($"{manifestPath}: alertThreshold must lie in (0,1], got {manifestDto.AlertThreshold}");
        }
        var files = manifestDto.Files ?? throw new ModelLoadException($"{manifestPath}: missing \"files\"");
        var baselinesPath = Path.Combine(dir, files.Baselines);
        var (baselinesDto, _) = ReadJson<BaselinesV1>(baselinesPath);
        SessionBaselines baselines;
        try
        {
            baselines = BundleMapper.FromDto(baselinesDto);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or NullReferenceException)
        {
            throw new ModelLoadException($"{baselinesPath}: {ex.Message}", ex);
        }

        var ml = new MLContext(manifestDto.Split.Seed);
        var pcaPath = Path.Combine(dir, files.Pca);
        PcaProjection pca;
        try
        {
            var model = ml.Model.Load(pcaPath, out _);
            pca = PcaModelTrainer.Extract(model);
        }
        catch (Exception ex) when (ex is not ModelLoadException)
        {
            throw new ModelLoadException($"{pcaPath}: cannot load the ML.NET PCA model: {ex.Message}", ex);
        }
        SupervisedModel? supervised = null;
        if (files.Supervised is { } sup)
        {
            var supPath = Path.Combine(dir, sup);
            try
            {
                supervised = new SupervisedModel(ml, ml.Model.Load(supPath, out _));
            }
            catch (Exception ex)
            {
                throw new ModelLoadException($"{supPath}: cannot load the ML.NET supervised model: {ex.Message}", ex);
            }
        }

        var calibrationPath = Path.Combine(dir, files.Calibration);
        var (calibrationDto, _) = ReadJson<CalibrationV1>(calibrationPath);
        ScoringModel scoringModel;
        SessionCalibration calibration;
        try
        {
            (scoringModel, calibration) = BundleMapper.FromDto(calibrationDto, baselines, pca, supervised);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or NullReferenceException or IndexOutOfRangeException)
        {
            throw new ModelLoadException($"{calibrationPath}: {ex.Message}", ex);
        }
        var manifest = new ModelManifest(manifestDto, raw, Path.GetFullPath(dir));
        var scorer = new BundleSessionScorer(manifestDto.Version, scoringModel, calibration, new AlertThresholder(manifestDto.AlertThreshold));
        return new LoadedBundle(manifest, scorer);
    }

    private static (T Dto, string Raw) ReadJson<T>(string path)
        where T : class
    {
        string raw;
        try
        {
            raw = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: cannot read: {ex.Message}", ex);
        }
        try
        {
            var dto = JsonSerializer.Deserialize<T>(raw, Json);
            return (dto ?? throw new ModelLoadException($"{path}: empty JSON document"), raw);
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{path}: invalid JSON: {ex.Message}", ex);
        }
    }
}
