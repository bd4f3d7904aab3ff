using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Scoring;

namespace AnomalyEngine.Server.Engine;

/// <summary>The live model's scorer, as the scoring engine asks for it; a reload swaps what it returns.</summary>
public sealed class ModelScorerSource(ModelHost host) : ISessionScorerSource
{
    /// <inheritdoc />
    public ISessionScorer Current => host.Scorer;
}
