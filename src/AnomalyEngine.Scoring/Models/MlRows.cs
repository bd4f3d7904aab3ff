using AnomalyEngine.Core.Features;
using Microsoft.ML.Data;

namespace AnomalyEngine.Scoring.Models;

/// <summary>One standardized feature vector as ML.NET sees it.</summary>
public sealed class FeatureRow
{
    /// <summary>The standardized features, <see cref="FeatureSchema.Count"/> long.</summary>
    [VectorType(FeatureSchema.Count)]
    public float[] Features { get; set; } = [];

    /// <summary>True for an anomalous session (supervised training only).</summary>
    public bool Label { get; set; }
}

/// <summary>The supervised model's output.</summary>
public sealed class SupervisedPrediction
{
    /// <summary>Calibrated probability of the anomalous class.</summary>
    public float Probability { get; set; }

    /// <summary>Raw margin.</summary>
    public float Score { get; set; }

    /// <summary>Margin above zero.</summary>
    public bool PredictedLabel { get; set; }
}

/// <summary>RandomizedPca's output (used to check the plain C# scorer against ML.NET).</summary>
public sealed class PcaPrediction
{
    /// <summary>Relative reconstruction error.</summary>
    public float Score { get; set; }

    /// <summary>Score above ML.NET's default threshold.</summary>
    public bool PredictedLabel { get; set; }
}
