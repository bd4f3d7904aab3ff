namespace AnomalyEngine.Scoring;

/// <summary>A model bundle could not be loaded; the message names the file and what is wrong.</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelLoadException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ModelLoadException() : base("model bundle could not be loaded")
    {
    }
}
