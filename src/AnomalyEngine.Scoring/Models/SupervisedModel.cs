using System.Collections.Concurrent;
using AnomalyEngine.Core.Features;
using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;

namespace AnomalyEngine.Scoring.Models;

/// <summary>
/// The optional supervised model (ML.NET LightGbm, binary) over the standardized feature vector,
/// trained when labels are given. PredictionEngine is not thread-safe, so engines are pooled.
/// </summary>
public sealed class SupervisedModel
{
    private readonly MLContext _ml;
    private readonly ConcurrentBag<PredictionEngine<FeatureRow, SupervisedPrediction>> _pool = [];

    /// <summary>Wraps a trained or loaded transformer.</summary>
    public SupervisedModel(MLContext ml, ITransformer model)
    {
        _ml = ml;
        Model = model;
    }

    /// <summary>The ML.NET transformer (saved in the bundle as <c>supervised.zip</c>).</summary>
    public ITransformer Model { get; }

    /// <summary>Trains LightGbm on standardized rows with labels; seeded and single-threaded so it is reproducible.</summary>
    public static SupervisedModel Train(MLContext ml, IReadOnlyList<FeatureRow> rows, int seed)
    {
        var view = ml.Data.LoadFromEnumerable(rows);
        var trainer = ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            LabelColumnName = nameof(FeatureRow.Label),
            FeatureColumnName = nameof(FeatureRow.Features),
            NumberOfLeaves = 31,
            NumberOfIterations = 200,
            MinimumExampleCountPerLeaf = 10,
            LearningRate = 0.1,
            Seed = seed,
            NumberOfThreads = 1,
            Verbose = false,
            Silent = true,
        });
        return new SupervisedModel(ml, trainer.Fit(view));
    }

    /// <summary>Probability that the standardized vector is anomalous.</summary>
    public double Predict(ReadOnlySpan<double> z)
    {
        if (!_pool.TryTake(out var engine))
        {
            engine = _ml.Model.CreatePredictionEngine<FeatureRow, SupervisedPrediction>(Model);
        }
        try
        {
            var row = new FeatureRow { Features = new float[FeatureSchema.Count] };
            for (var i = 0; i < FeatureSchema.Count; i++)
            {
                row.Features[i] = (float)z[i];
            }
            var p = engine.Predict(row).Probability;
            return float.IsNaN(p) ? 0 : p;
        }
        finally
        {
            _pool.Add(engine);
        }
    }
}
