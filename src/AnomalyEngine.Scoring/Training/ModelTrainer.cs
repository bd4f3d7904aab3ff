using System.Diagnostics;
using AnomalyEngine.Core.Detectors;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Scoring.Bundles;
using AnomalyEngine.Scoring.Calibration;
using AnomalyEngine.Scoring.Models;
using Microsoft.ML;

namespace AnomalyEngine.Scoring.Training;

/// <summary>
/// Trains a model bundle from events (+ optional labels): baselines on the fit sessions, then a
/// seeded sample of every prefix of them (scoring happens after each event, so the model must
/// know what normal short sessions look like), RandomizedPca over the standardized vectors, the
/// optional LightGbm model, per-length-group tail tables, and finally the session-level calibration
/// and alert threshold on normal sessions the scoring model did not see (max over each session's
/// prefixes): each cross-calibration fold scored by a model fitted on the others, or a held-out share.
/// </summary>
public sealed class ModelTrainer(ModelTrainerOptions options)
{
    /// <summary>The options.</summary>
    public ModelTrainerOptions Options { get; } = options;

    /// <summary>Trains and writes the bundle folder <paramref name="outDir"/>; returns the manifest.</summary>
    public ModelManifest TrainToBundle(IEnumerable<SessionEvent> events, IReadOnlyDictionary<string, SessionLabel>? labels, string outDir, IProgress<TrainingProgress>? progress = null)
    {
        var result = Train(events, labels, progress);
        return ModelBundle.Save(result, outDir);
    }

    /// <summary>Trains in memory.</summary>
    public TrainingResult Train(IEnumerable<SessionEvent> events, IReadOnlyDictionary<string, SessionLabel>? labels, IProgress<TrainingProgress>? progress = null)
    {
        var o = Options;
        if (o.TargetFpr is <= 0 or >= 1)
        {
            throw new ArgumentException("target FPR must lie in (0,1)");
        }
        var clock = Stopwatch.StartNew();
        progress?.Report(new("reading events", 0));
        var sessions = SessionReplayer.Group(events);
        var users = UserChecks.Run(sessions, o.Limits);
        long totalEvents = 0;
        foreach (var (_, list) in sessions)
        {
            totalEvents += list.Count;
        }

        // Which sessions train what.
        var fit = new List<List<SessionEvent>>();
        var calibration = new List<List<SessionEvent>>();
        var anomalous = new List<List<SessionEvent>>();
        var trainingIds = 0L;
        foreach (var (id, list) in sessions)
        {
            bool isAnomalous = false;
            if (labels is not null)
            {
                if (!labels.TryGetValue(id, out var label))
                {
                    continue;
                }
                isAnomalous = label.Anomalous;
            }
            if (isAnomalous && o.NormalOnly)
            {
                continue;
            }
            if (!TrainingSplit.InTrainingShare(id, o.Seed, o.TrainFraction))
            {
                continue;
            }
            trainingIds++;
            if (isAnomalous)
            {
                anomalous.Add(list);
            }
            else if (TrainingSplit.InCalibrationShare(id, o.Seed, o.CalibrationFraction))
            {
                calibration.Add(list);
            }
            else
            {
                fit.Add(list);
            }
        }
        if (fit.Count < 10 || calibration.Count < 5)
        {
            throw new InvalidOperationException(
                $"too few normal training sessions: {fit.Count} to fit and {calibration.Count} to calibrate (need 10 and 5)");
        }

        // 1-5. Fit baselines, PCA, supervised model and tails; 6. calibrate on normal sessions
        //    that model did not see: max raw score over each session's prefixes and its final
        //    verdict, because a session alerts when any of them crosses.
        var withSupervised = !o.NormalOnly && labels is not null && anomalous.Count > 0;
        var maxima = new List<double>();
        long calibrationEvents;
        FittedModel fitted;
        var folds = o.CrossCalibrationFolds >= 2 && !withSupervised ? o.CrossCalibrationFolds : 0;
        if (folds > 0)
        {
            // Cross-calibration: each fold is calibrated by a model fitted on the other folds, and the
            // shipped model is fitted on all of them. Every normal training session then both teaches
            // and calibrates, and the threshold (from fold models, which saw less) is conservative.
            var all = new List<List<SessionEvent>>(fit);
            all.AddRange(calibration);
            var foldOf = new int[all.Count];
            for (var i = 0; i < all.Count; i++)
            {
                foldOf[i] = (int)(TrainingSplit.Unit(all[i][0].SessionId, o.Seed, "calibration-fold") * folds);
            }
            // The fold fits and the shipped model's fit are independent: run them side by side
            // (training time is a documented target). Only the shipped model's fit reports progress.
            var foldMaxima = new List<double>[folds];
            var foldEvents = new long[folds];
            FittedModel? full = null;
            Parallel.For(0, folds + 1, j =>
            {
                if (j == 0)
                {
                    full = Fit(all, anomalous, false, users, progress); // the largest fit starts first
                    return;
                }
                var k = j - 1;
                var train = new List<List<SessionEvent>>();
                var held = new List<List<SessionEvent>>();
                for (var i = 0; i < all.Count; i++)
                {
                    (foldOf[i] == k ? held : train).Add(all[i]);
                }
                foldMaxima[k] = [];
                foldEvents[k] = CollectMaxima(Fit(train, anomalous, false, users, null).Model, held, foldMaxima[k], users, null);
            });
            foreach (var m in foldMaxima)
            {
                maxima.AddRange(m);
            }
            calibrationEvents = foldEvents.Sum();
            fitted = full!;
            fit = all;
            calibration = all;
        }
        else
        {
            fitted = Fit(fit, anomalous, withSupervised, users, progress);
            calibrationEvents = CollectMaxima(fitted.Model, calibration, maxima, users, progress);
        }
        var model = fitted.Model;
        var supervised = fitted.Supervised;
        var baselines = model.Baselines;
        var sessionCalibration = SessionCalibration.Build(maxima);
        var threshold = sessionCalibration.ThresholdFor(o.TargetFpr, out var calibrationAlerts);
        progress?.Report(new("calibration", 1));
        clock.Stop();

        var summary = new TrainingSummary(
            Sessions: sessions.Count,
            Events: totalEvents,
            TrainingSessions: trainingIds,
            FitSessions: fit.Count,
            FitEvents: fitted.FitEvents,
            CalibrationSessions: calibration.Count,
            CalibrationEvents: calibrationEvents,
            CalibrationFolds: folds,
            AnomalousTrainingSessions: supervised is null ? 0 : anomalous.Count,
            PrefixRows: fitted.RowCount,
            SupervisedRows: fitted.SupervisedRows,
            Vocabulary: baselines.VocabularySize,
            Transitions: baselines.Transitions.Count,
            LengthGroups: model.GroupCount,
            CalibrationAlerts: calibrationAlerts,
            CalibrationFpr: (double)calibrationAlerts / sessionCalibration.SortedMaxima.Length,
            Seconds: clock.Elapsed.TotalSeconds);
        return new TrainingResult(o, model, sessionCalibration, threshold, summary, fitted.Ml, fitted.PcaModel, fitted.PcaSchema, supervised, labels is not null);
    }

    /// <summary>Everything fitted from one set of normal sessions (and anomalous ones for the supervised model).</summary>
    private sealed record FittedModel(
        ScoringModel Model, MLContext Ml, ITransformer PcaModel, DataViewSchema PcaSchema, SupervisedModel? Supervised,
        long FitEvents, int RowCount, int SupervisedRows);

    private FittedModel Fit(List<List<SessionEvent>> fit, List<List<SessionEvent>> anomalous, bool withSupervised, UserChecks users, IProgress<TrainingProgress>? progress)
    {
        var o = Options;
        // 1. Baselines from the fit sessions, plus cross-fitted baselines that each leave one fold
        //    out. Rows for the PCA model and the tail tables are computed with the baselines that
        //    did not see their session, so "never seen in training" is calibrated by how often a
        //    new normal session really shows something new (in-sample, that would be never).
        var folds = Math.Max(2, o.CrossFitFolds);
        var finals = new SessionState[fit.Count];
        var foldOf = new int[fit.Count];
        long fitEvents = 0;
        for (var i = 0; i < fit.Count; i++)
        {
            finals[i] = SessionReplayer.Replay(fit[i], o.Limits, users: users);
            fitEvents += finals[i].Events;
            foldOf[i] = (int)(TrainingSplit.Unit(finals[i].SessionId, o.Seed, "fold") * folds);
            Report(progress, "baselines", i, fit.Count);
        }
        var built = new SessionBaselines[folds + 1];
        Parallel.For(0, folds + 1, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
        {
            // k == folds: all fit sessions (the shipped baselines); otherwise all but fold k.
            var builder = new SessionBaselinesBuilder(o.Seed + k);
            for (var i = 0; i < fit.Count; i++)
            {
                if (foldOf[i] != k)
                {
                    builder.AddSession(fit[i], finals[i]);
                }
            }
            built[k] = builder.Build();
        });
        var baselines = built[folds];
        var extractor = new SessionFeatureExtractor(baselines);
        var foldExtractors = new SessionFeatureExtractor[folds];
        for (var k = 0; k < folds; k++)
        {
            foldExtractors[k] = new SessionFeatureExtractor(built[k]);
        }
        progress?.Report(new("baselines", 1));

        // 2. A seeded sample of every prefix of the fit sessions, plus every final state (for final verdicts).
        const int dim = FeatureSchema.Count;
        const byte finalMarker = byte.MaxValue;
        var keepRate = Math.Min(1.0, (double)o.MaxRows / Math.Max(1, fitEvents));
        var sampler = new Random(o.Seed + 1);
        var rows = new List<float>((int)(Math.Min(fitEvents, o.MaxRows) + fit.Count) * dim + dim);
        var rowBuckets = new List<byte>();
        var rowsPerBucket = new long[LengthBuckets.Count];
        var f = new double[dim];
        for (var i = 0; i < fit.Count; i++)
        {
            var rowExtractor = foldExtractors[foldOf[i]];
            SessionState? last = null;
            foreach (var state in SessionReplayer.Prefixes(fit[i], o.Limits, users))
            {
                last = state;
                var bucket = LengthBuckets.Of(state.Events);
                rowsPerBucket[bucket]++;
                if (keepRate < 1.0 && sampler.NextDouble() >= keepRate)
                {
                    continue;
                }
                AddRow(rowExtractor, state, final: false, f, rows);
                rowBuckets.Add((byte)bucket);
            }
            if (last is not null)
            {
                AddRow(rowExtractor, last, final: true, f, rows);
                rowBuckets.Add(finalMarker);
            }
            Report(progress, "prefix features", i, fit.Count);
        }
        var rowCount = rowBuckets.Count;
        var rowArray = rows.ToArray();
        var groups = LengthGroups.Build(rowsPerBucket, o.MinGroupRows);
        var slots = groups.Count + 1;
        var groupOfRow = new byte[rowCount];
        for (var r = 0; r < rowCount; r++)
        {
            groupOfRow[r] = rowBuckets[r] == finalMarker ? (byte)groups.Count : (byte)groups.BucketToGroup[rowBuckets[r]];
        }

        // 3. Standardize per length group, then RandomizedPca.
        progress?.Report(new("PCA model", 0));
        var standardizer = FeatureStandardizer.Fit(rowArray, groupOfRow, rowCount, dim, slots);
        var zRows = new float[rowArray.Length];
        var z = new double[dim];
        for (var r = 0; r < rowCount; r++)
        {
            standardizer.Standardize(new ReadOnlySpan<float>(rowArray, r * dim, dim).ToDoubleArray(f), groupOfRow[r], z);
            for (var k = 0; k < dim; k++)
            {
                zRows[r * dim + k] = (float)z[k];
            }
        }
        var ml = new MLContext(o.Seed);
        var pcaModel = PcaModelTrainer.Train(ml, zRows, rowCount, o.PcaRank, o.Seed, out var pcaSchema);
        var pca = PcaModelTrainer.Extract(pcaModel);
        progress?.Report(new("PCA model", 1));

        // 4. Supervised model, when labels carry anomalous training sessions.
        SupervisedModel? supervised = null;
        var supervisedRows = 0;
        if (withSupervised)
        {
            progress?.Report(new("supervised model", 0));
            var training = BuildSupervisedRows(fit, anomalous, extractor, standardizer, groups, users, o);
            supervisedRows = training.Count;
            supervised = SupervisedModel.Train(ml, training, o.Seed);
            progress?.Report(new("supervised model", 1));
        }

        // 5. Tail tables per component and length group over the sampled prefixes.
        var untailed = new ScoringModel(baselines, groups, standardizer, pca, supervised, null);
        var components = untailed.ComponentCount;
        var values = new List<double>[components][];
        for (var c = 0; c < components; c++)
        {
            values[c] = new List<double>[slots];
            for (var g = 0; g < slots; g++)
            {
                values[c][g] = [];
            }
        }
        var v = new double[components];
        for (var r = 0; r < rowCount; r++)
        {
            new ReadOnlySpan<float>(rowArray, r * dim, dim).ToDoubleArray(f);
            untailed.ComponentsFromFeatures(f, groupOfRow[r], z, v);
            for (var c = 0; c < components; c++)
            {
                values[c][groupOfRow[r]].Add(v[c]);
            }
            Report(progress, "tail tables", r, rowCount);
        }
        var tails = new TailTable[components][];
        for (var c = 0; c < components; c++)
        {
            tails[c] = new TailTable[slots];
            for (var g = 0; g < slots; g++)
            {
                tails[c][g] = TailTable.Build(values[c][g], untailed.Components[c].Unit);
            }
        }
        var model = new ScoringModel(baselines, groups, standardizer, pca, supervised, tails);

        return new FittedModel(model, ml, pcaModel, pcaSchema, supervised, fitEvents, rowCount, supervisedRows);
    }

    /// <summary>Each session's highest raw score over its prefixes and its final verdict.</summary>
    private long CollectMaxima(ScoringModel model, List<List<SessionEvent>> sessions, List<double> maxima, UserChecks users, IProgress<TrainingProgress>? progress)
    {
        long events = 0;
        for (var i = 0; i < sessions.Count; i++)
        {
            double max = 0;
            SessionState? last = null;
            foreach (var state in SessionReplayer.Prefixes(sessions[i], Options.Limits, users))
            {
                last = state;
                max = Math.Max(max, model.RawScore(state, final: false));
                events++;
            }
            if (last is not null)
            {
                max = Math.Max(max, model.RawScore(last, final: true));
            }
            maxima.Add(max);
            Report(progress, "calibration", i, sessions.Count);
        }
        return events;
    }


    private static List<FeatureRow> BuildSupervisedRows(
        List<List<SessionEvent>> normal, List<List<SessionEvent>> anomalous, SessionFeatureExtractor extractor,
        FeatureStandardizer standardizer, LengthGroups groups, UserChecks users, ModelTrainerOptions o)
    {
        // Both classes are featurized by the shipped baselines, exactly as at serving time: a model
        // trained on rows made by other baselines learns those baselines' artefacts.
        var dim = FeatureSchema.Count;
        var rows = new List<FeatureRow>();
        var f = new double[dim];
        var z = new double[dim];
        long normalPrefixes = 0;
        foreach (var list in normal)
        {
            normalPrefixes += list.Count;
        }
        var keep = Math.Min(1.0, 100_000.0 / Math.Max(1, normalPrefixes));
        var sampler = new Random(o.Seed + 2);
        foreach (var list in normal)
        {
            SessionState? last = null;
            foreach (var state in SessionReplayer.Prefixes(list, o.Limits, users))
            {
                last = state;
                if (keep >= 1.0 || sampler.NextDouble() < keep)
                {
                    rows.Add(StandardizedRow(extractor, standardizer, state, groups.Of(state.Events), f, z, final: false, label: false));
                }
            }
            if (last is not null)
            {
                rows.Add(StandardizedRow(extractor, standardizer, last, groups.Count, f, z, final: true, label: false));
            }
        }
        // Anomalous side: prefixes from the second half of each session on, where the anomaly has
        // usually shown itself; earlier prefixes would teach the model that normal starts are attacks.
        foreach (var list in anomalous)
        {
            var half = list.Count / 2;
            var i = 0;
            SessionState? last = null;
            foreach (var state in SessionReplayer.Prefixes(list, o.Limits, users))
            {
                last = state;
                if (++i < half)
                {
                    continue;
                }
                rows.Add(StandardizedRow(extractor, standardizer, state, groups.Of(state.Events), f, z, final: false, label: true));
            }
            if (last is not null)
            {
                rows.Add(StandardizedRow(extractor, standardizer, last, groups.Count, f, z, final: true, label: true));
            }
        }
        return rows;
    }

    private static FeatureRow StandardizedRow(SessionFeatureExtractor extractor, FeatureStandardizer standardizer, SessionState state, int group, double[] f, double[] z, bool final, bool label)
    {
        extractor.Extract(state, f, final);
        standardizer.Standardize(f, group, z);
        var row = new float[f.Length];
        for (var k = 0; k < f.Length; k++)
        {
            row[k] = (float)z[k];
        }
        return new FeatureRow { Features = row, Label = label };
    }

    private static void AddRow(SessionFeatureExtractor extractor, SessionState state, bool final, double[] f, List<float> rows)
    {
        extractor.Extract(state, f, final);
        for (var k = 0; k < f.Length; k++)
        {
            rows.Add((float)f[k]);
        }
    }

    private static void Report(IProgress<TrainingProgress>? progress, string stage, int i, int n)
    {
        if (progress is not null && (i & 255) == 0)
        {
            progress.Report(new(stage, (double)i / n));
        }
    }
}

/// <summary>What training saw and how long it took; recorded in the manifest.</summary>
public sealed record TrainingSummary(
    long Sessions,
    long Events,
    long TrainingSessions,
    long FitSessions,
    long FitEvents,
    long CalibrationSessions,
    long CalibrationEvents,
    int CalibrationFolds,
    long AnomalousTrainingSessions,
    long PrefixRows,
    long SupervisedRows,
    int Vocabulary,
    int Transitions,
    int LengthGroups,
    int CalibrationAlerts,
    double CalibrationFpr,
    double Seconds);

/// <summary>A trained model in memory, ready to be saved as a bundle.</summary>
public sealed record TrainingResult(
    ModelTrainerOptions Options,
    ScoringModel Model,
    SessionCalibration Calibration,
    double AlertThreshold,
    TrainingSummary Summary,
    MLContext Ml,
    ITransformer PcaModel,
    DataViewSchema PcaSchema,
    SupervisedModel? Supervised,
    bool Labelled);

internal static class SpanConversions
{
    public static double[] ToDoubleArray(this ReadOnlySpan<float> source, double[] target)
    {
        for (var i = 0; i < source.Length; i++)
        {
            target[i] = source[i];
        }
        return target;
    }
}
