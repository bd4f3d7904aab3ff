using System.CommandLine;
using AnomalyEngine.Cli.Grpc;
using AnomalyEngine.Contracts.V1;
using Grpc.Core;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// <c>anomaly-engine export-labels</c>: writes the analysts' labels (LabelSession) as labels.csv, the
/// input of the next <c>train --labels</c>.
/// </summary>
internal static class ExportLabelsCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target", "-t") { Description = "Server address", DefaultValueFactory = _ => "http://127.0.0.1:50051" };
        var output = new Option<FileInfo>("--out", "-o") { Description = "labels.csv to write", Required = true };
        var command = new Command("export-labels", "Write analyst labels stored in the engine as labels.csv (session_id,label,class)") { target, output };
        command.SetAction(async (parse, ct) =>
        {
            using var channel = ChannelFactory.Create(parse.GetValue(target)!);
            var client = new ModelService.ModelServiceClient(channel);
            var file = parse.GetValue(output)!;
            var temp = file.FullName + ".tmp";
            try
            {
                var count = 0;
                await using (var writer = new StreamWriter(temp))
                {
                    await writer.WriteLineAsync("session_id,label,class");
                    using var call = client.ExportLabels(new ExportLabelsRequest(), cancellationToken: ct);
                    await foreach (var l in call.ResponseStream.ReadAllAsync(ct))
                    {
                        await writer.WriteLineAsync($"{Csv(l.SessionId)},{(l.Anomalous ? 1 : 0)},{Csv(l.Class)}");
                        count++;
                    }
                }
                // Rename only when complete, so a failed export never leaves a truncated labels.csv.
                File.Move(temp, file.FullName, overwrite: true);
                Console.WriteLine($"wrote {count} labels to {file.FullName}");
                return 0;
            }
            catch (RpcException ex)
            {
                File.Delete(temp);
                Console.Error.WriteLine($"export-labels: {ex.StatusCode}: {ex.Status.Detail}");
                return 1;
            }
        });
        return command;
    }

    private static string Csv(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
