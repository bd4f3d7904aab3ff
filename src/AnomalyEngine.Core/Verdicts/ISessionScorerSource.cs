namespace AnomalyEngine.Core.Verdicts;

/// <summary>Hands out the scorer of the live model; a reload replaces what <see cref="Current"/> returns.</summary>
public interface ISessionScorerSource
{
    /// <summary>The scorer to use for the next verdict. Callers read it once per request.</summary>
    ISessionScorer Current { get; }
}
