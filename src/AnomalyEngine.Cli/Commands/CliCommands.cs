using System.CommandLine;

namespace AnomalyEngine.Cli.Commands;

/// <summary>Every subcommand, in help order. Each lives in its own file with a static Create().</summary>
internal static class CliCommands
{
    public static IEnumerable<Command> All()
    {
        yield return TrainCommand.Create();
        yield return ScoreCommand.Create();
        yield return EvaluateCommand.Create();
        yield return SendCommand.Create();
        yield return SessionCommand.Create();
        yield return ExportLabelsCommand.Create();
        yield return SimulateCommand.Create();
        yield return HashKeyCommand.Create();
        yield return SubscribeCommand.Create();
        yield return LoadCommand.Create();
    }
}
