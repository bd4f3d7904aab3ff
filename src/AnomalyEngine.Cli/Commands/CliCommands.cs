using System.CommandLine;

namespace AnomalyEngine.Cli.Commands;

/// <summary>Every subcommand, in help order. Each lives in its own file with a static Create().</summary>
internal static class CliCommands
{
    public static IEnumerable<Command> All()
    {
        yield return LoadCommand.Create();
    }
}
