using AnomalyEngine.Core.Features;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace AnomalyEngine.Scoring.Models;

/// <summary>Trains, saves and loads the ML.NET RandomizedPca model and reads its parameters out.</summary>
public static class PcaModelTrainer
{
    /// <summary>Trains RandomizedPca on standardized rows ([row·dim]).</summary>
    /// <remarks>
    /// A little seeded noise is added to the training rows: RandomizedPca throws on noise-free
    /// low-rank data, and real sessions often repeat one exact feature vector (e.g. HDFS).
    /// </remarks>
    public static ITransformer Train(MLContext ml, float[] rows, int rowCount, int rank, int seed, out DataViewSchema schema)
    {
        const int dim = FeatureSchema.Count;
        var random = new Random(seed);
        var data = new List<FeatureRow>(rowCount);
        for (var r = 0; r < rowCount; r++)
        {
            var v = new float[dim];
            for (var i = 0; i < dim; i++)
            {
                v[i] = rows[r * dim + i] + (float)((random.NextDouble() - 0.5) * 2e-3);
            }
            data.Add(new FeatureRow { Features = v });
        }
        var view = ml.Data.LoadFromEnumerable(data);
        schema = view.Schema;
        var trainer = ml.AnomalyDetection.Trainers.RandomizedPca(new RandomizedPcaTrainer.Options
        {
            FeatureColumnName = nameof(FeatureRow.Features),
            Rank = Math.Min(rank, dim - 1),
            EnsureZeroMean = true,
            Seed = seed,
            Oversampling = 20,
        });
        return trainer.Fit(view);
    }

    /// <summary>Reads mean and eigenvectors out of a trained or loaded model.</summary>
    public static PcaProjection Extract(ITransformer model)
    {
        // A loaded model comes back typed by its interface (IPredictorProducing<float>), so match on the parameters.
        var last = model is TransformerChain<ITransformer> chain ? chain.LastTransformer : model;
        var parameters = last is IPredictionTransformer<object> { Model: PcaModelParameters p }
            ? p
            : throw new InvalidDataException($"not a RandomizedPca model: {model.GetType().Name}");
        VBuffer<float>[] vectors = [];
        parameters.GetEigenVectors(ref vectors, out var rank);
        var mean = default(VBuffer<float>);
        parameters.GetMean(ref mean);
        var dim = FeatureSchema.Count;
        var meanArr = new double[dim];
        if (mean.Length == dim)
        {
            var dense = mean.DenseValues().ToArray();
            for (var i = 0; i < dim; i++)
            {
                meanArr[i] = dense[i];
            }
        }
        var eig = new double[rank][];
        for (var k = 0; k < rank; k++)
        {
            var dense = vectors[k].DenseValues().ToArray();
            eig[k] = new double[dim];
            for (var i = 0; i < dim; i++)
            {
                eig[k][i] = dense[i];
            }
        }
        return new PcaProjection(meanArr, eig);
    }
}
