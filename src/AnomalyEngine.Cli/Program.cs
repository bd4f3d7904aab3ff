using System.CommandLine;
using AnomalyEngine.Cli.Commands;

var root = new RootCommand("anomaly-engine: real-time session anomaly detection — serve, train, score, simulate, subscribe.");
foreach (var command in CliCommands.All())
{
    root.Subcommands.Add(command);
}
return await root.Parse(args).InvokeAsync();
