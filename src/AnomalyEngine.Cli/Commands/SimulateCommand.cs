using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AnomalyEngine.Cli.Grpc;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Simulation;
using Grpc.Core;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// <c>anomaly-engine simulate</c>: generates labelled shop traffic (docs/simulator.md) and either writes
/// it to events.jsonl + labels.csv (<c>--out</c>) or streams it live to a server over TrackStream
/// (<c>--target</c>), showing which attacks the server catches.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var sessions = new Option<int>("--sessions", "-n")
        {
            Description = "Sessions to generate (with --target and --duration and no --sessions: enough to fill the duration)",
            DefaultValueFactory = _ => 1000,
        };
        var seed = new Option<long>("--seed")
        {
            Description = "Random seed; the same seed and options give byte-identical output",
            DefaultValueFactory = _ => 42,
        };
        var attackRate = new Option<double>("--attack-rate")
        {
            Description = "Share of sessions that are attacks, 0..1",
            DefaultValueFactory = _ => 0.02,
        };
        var attacks = new Option<string>("--attacks")
        {
            Description = "Attacks to inject: 'all', 'none' or a comma list of name[:intensity] — credential_stuffing, scraper, account_takeover, card_testing, session_hijack (e.g. scraper:2,card_testing)",
            DefaultValueFactory = _ => "all",
        };
        var subtleShare = new Option<double>("--subtle-share")
        {
            Description = "Share of attack sessions that use the subtle, harder-to-catch variant, 0..1",
            DefaultValueFactory = _ => 0.3,
        };
        var roamShare = new Option<double>("--roam-share")
        {
            Description = "Share of normal phone and app sessions whose ip changes once mid-session (network hand-over), 0..1",
            DefaultValueFactory = _ => 0.05,
        };
        var users = new Option<int>("--users")
        {
            Description = "Registered users the sessions are drawn from; 0: sessions / 4 (at least 50). Fewer users come back more often, so each has a longer history",
            DefaultValueFactory = _ => 0,
        };
        var spanHours = new Option<double>("--span-hours")
        {
            Description = "Simulated hours over which sessions start (daily rhythm in UTC)",
            DefaultValueFactory = _ => 24,
        };
        var start = new Option<DateTimeOffset?>("--start")
        {
            Description = "Start of the simulated period (ISO 8601). Default: 2026-01-05T00:00Z for files; for --target, now minus the span",
        };
        var prefix = new Option<string?>("--session-prefix")
        {
            Description = "Prefix of session ids. Default: s_ for files; for --target a fresh run tag, so a second replay of the same seed is not taken for retries of the first",
        };
        var outDir = new Option<DirectoryInfo?>("--out", "-o")
        {
            Description = "Write DIR/events.jsonl and DIR/labels.csv",
        };
        var order = new Option<string>("--order")
        {
            Description = "Line order of events.jsonl: 'session' (grouped, sessions by start) or 'time' (interleaved by ts)",
            DefaultValueFactory = _ => "session",
        };
        order.AcceptOnlyFromAmong("session", "time");
        var target = new Option<string?>("--target", "-t")
        {
            Description = "Stream live to this server over TrackStream, e.g. http://localhost:5000 (plaintext h2c) or https://host",
        };
        var rate = new Option<double>("--rate")
        {
            Description = "With --target: events per second (simulated time is compressed to this pace)",
            DefaultValueFactory = _ => 500,
        };
        var duration = new Option<double?>("--duration")
        {
            Description = "With --target: stop after this many seconds",
        };
        var batch = new Option<int>("--batch")
        {
            Description = "With --target: events per TrackRequest; 0 picks about 50 batches a second",
            DefaultValueFactory = _ => 0,
        };
        var show = new Option<int>("--show")
        {
            Description = "With --target: how many caught sessions to show with their top reason",
            DefaultValueFactory = _ => 10,
        };

        var command = new Command("simulate", "Generate labelled shop traffic with attacks: write events.jsonl + labels.csv, or stream it live to a server");
        foreach (var option in new Option[] { sessions, seed, attackRate, attacks, subtleShare, roamShare, users, spanHours, start, prefix, outDir, order, target, rate, duration, batch, show })
        {
            command.Options.Add(option);
        }
        // Only the shape of the command line here: a command validator does not see option defaults,
        // so value ranges are checked in the action, where GetValue applies them.
        command.Validators.Add(result =>
        {
            var hasOut = result.GetValue(outDir) is not null;
            var hasTarget = !string.IsNullOrWhiteSpace(result.GetValue(target));
            if (hasOut == hasTarget)
            {
                result.AddError("Give exactly one of --out DIR (write files) or --target URL (stream live).");
            }
        });

        command.SetAction(async (parse, ct) =>
        {
            var errors = new List<string>();
            if (parse.GetValue(sessions) < 0)
            {
                errors.Add("--sessions must not be negative.");
            }
            if (parse.GetValue(attackRate) is < 0 or > 1 or double.NaN)
            {
                errors.Add("--attack-rate must lie in 0..1.");
            }
            if (parse.GetValue(subtleShare) is < 0 or > 1 or double.NaN)
            {
                errors.Add("--subtle-share must lie in 0..1.");
            }
            if (parse.GetValue(roamShare) is < 0 or > 1 or double.NaN)
            {
                errors.Add("--roam-share must lie in 0..1.");
            }
            if (parse.GetValue(users) < 0)
            {
                errors.Add("--users must not be negative.");
            }
            if (parse.GetValue(spanHours) is <= 0 or double.NaN)
            {
                errors.Add("--span-hours must be positive.");
            }
            if (parse.GetValue(rate) is <= 0 or double.NaN)
            {
                errors.Add("--rate must be positive.");
            }
            if (parse.GetValue(duration) is <= 0)
            {
                errors.Add("--duration must be positive.");
            }
            if (parse.GetValue(batch) is < 0 or > EventLimits.MaxBatchEvents)
            {
                errors.Add($"--batch must lie in 0..{EventLimits.MaxBatchEvents}.");
            }
            if (!TryParseAttacks(parse.GetValue(attacks) ?? "all", out var specs, out var attackError))
            {
                errors.Add(attackError);
            }
            if (parse.GetValue(target) is { } t && !string.IsNullOrWhiteSpace(t) && !IsValidTarget(t))
            {
                errors.Add($"--target: '{t}' is not an http:// or https:// address (e.g. http://localhost:5000).");
            }
            if (parse.GetValue(prefix) is { } p && (p.Length > 32 || p.Any(char.IsControl)))
            {
                errors.Add("--session-prefix must be at most 32 characters without control characters.");
            }
            if (errors.Count > 0)
            {
                foreach (var e in errors)
                {
                    await Console.Error.WriteLineAsync(e);
                }
                return 2;
            }

            var span = TimeSpan.FromHours(parse.GetValue(spanHours));
            var live = parse.GetValue(target) is { } url && !string.IsNullOrWhiteSpace(url) ? url : null;
            var count = parse.GetValue(sessions);
            if (live is not null && parse.GetValue(duration) is { } seconds && parse.GetResult(sessions) is null or { Implicit: true })
            {
                // About 7 events a human session; a margin so the stream does not run dry before the duration.
                count = (int)Math.Min(int.MaxValue, Math.Ceiling(parse.GetValue(rate) * seconds / 5.0));
            }
            var options = new SimulationOptions
            {
                Seed = parse.GetValue(seed),
                Sessions = count,
                AttackRate = parse.GetValue(attackRate),
                Attacks = specs,
                SubtleShare = parse.GetValue(subtleShare),
                RoamShare = parse.GetValue(roamShare),
                Users = parse.GetValue(users),
                Span = span,
                SessionIdPrefix = parse.GetValue(prefix)
                    ?? (live is not null ? "r" + Guid.NewGuid().ToString("N")[..6] + "_" : "s_"),
                // Live: the period ends now, so every ts is plausible to the server (not days in the future).
                StartTime = parse.GetValue(start) ?? (live is not null ? DateTimeOffset.UtcNow - span : new SimulationOptions().StartTime),
            };
            var simulator = new TrafficSimulator(options);
            if (live is null)
            {
                return WriteFiles(simulator, parse.GetValue(outDir)!, parse.GetValue(order) == "time");
            }
            var replay = new ReplayOptions(
                parse.GetValue(rate),
                parse.GetValue(batch) is > 0 and var b ? b : ReplayOptions.AutoBatchSize(parse.GetValue(rate)),
                parse.GetValue(duration) is { } d ? TimeSpan.FromSeconds(d) : null,
                Math.Max(0, parse.GetValue(show)));
            return await StreamAsync(simulator, live, replay, ct);
        });
        return command;
    }

    private static bool IsValidTarget(string target)
    {
        try
        {
            ChannelFactory.Normalize(target);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Parses <c>all</c>, <c>none</c> or <c>name[:intensity],...</c>.</summary>
    internal static bool TryParseAttacks(string text, out IReadOnlyList<AttackSpec> specs, out string error)
    {
        error = "";
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            specs = AttackClasses.All.Select(t => new AttackSpec(t)).ToArray();
            return true;
        }
        if (trimmed.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            specs = [];
            return true;
        }
        var list = new List<AttackSpec>();
        specs = list;
        foreach (var part in trimmed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split(':', 2, StringSplitOptions.TrimEntries);
            if (!AttackClasses.TryParse(pieces[0], out var type))
            {
                error = $"--attacks: unknown attack '{pieces[0]}' (known: {string.Join(", ", AttackClasses.All.Select(AttackClasses.Name))}).";
                return false;
            }
            var intensity = 1.0;
            if (pieces.Length == 2 && (!double.TryParse(pieces[1], NumberStyles.Float, CultureInfo.InvariantCulture, out intensity) || intensity is <= 0 or > 100))
            {
                error = $"--attacks: intensity of '{pieces[0]}' must be a number in (0, 100], got '{pieces[1]}'.";
                return false;
            }
            list.Add(new AttackSpec(type, intensity));
        }
        return true;
    }

    private static int WriteFiles(TrafficSimulator simulator, DirectoryInfo dir, bool interleaved)
    {
        var clock = Stopwatch.StartNew();
        dir.Create();
        var eventsPath = Path.Combine(dir.FullName, "events.jsonl");
        var labelsPath = Path.Combine(dir.FullName, "labels.csv");
        var labels = new List<(string SessionId, int Label, string? Class)>(simulator.Options.Sessions);
        var byClass = new SortedDictionary<string, int>(StringComparer.Ordinal);
        long events;
        using (var writer = new EventFileWriter(new FileStream(eventsPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16)))
        {
            if (interleaved)
            {
                foreach (var item in simulator.GenerateInterleaved())
                {
                    if (item.Event == item.Session.Events[0])
                    {
                        Record(item.Session);
                    }
                    writer.Write(item.Event);
                }
            }
            else
            {
                foreach (var session in simulator.Generate())
                {
                    Record(session);
                    writer.WriteAll(session.Events);
                }
            }
            events = writer.Count;
        }
        EventFileWriter.WriteLabelsFile(labelsPath, labels);

        var table = new Table().Border(TableBorder.Rounded).AddColumn("class").AddColumn(new TableColumn("sessions").RightAligned());
        foreach (var (cls, n) in byClass)
        {
            table.AddRow(Markup.Escape(cls), n.ToString("N0", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "Wrote [green]{0:N0}[/] events of [green]{1:N0}[/] sessions to [blue]{2}[/] and [blue]{3}[/] in {4:F1} s.",
            events, labels.Count, Markup.Escape(eventsPath), Markup.Escape(labelsPath), clock.Elapsed.TotalSeconds);
        return 0;

        void Record(SimulatedSession s)
        {
            labels.Add((s.SessionId, s.Label, s.Class));
            byClass[s.Class] = byClass.GetValueOrDefault(s.Class) + 1;
        }
    }

    private static async Task<int> StreamAsync(TrafficSimulator simulator, string target, ReplayOptions options, CancellationToken ct)
    {
        using var channel = ChannelFactory.Create(target);
        var replayer = new TrackStreamReplayer(new ScoringService.ScoringServiceClient(channel), options);
        var stats = replayer.Stats;
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "Streaming [green]{0:N0}[/] sessions to [blue]{1}[/] at {2:N0} events/s in batches of {3} (Ctrl+C stops).",
            simulator.Options.Sessions, Markup.Escape(target), options.Rate, options.BatchSize);

        var run = replayer.RunAsync(simulator.GenerateInterleaved(), ct);
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Live(Render(stats, options)).AutoClear(false).StartAsync(async live =>
            {
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(250, CancellationToken.None));
                    live.UpdateTarget(Render(stats, options));
                }
            });
        }
        else
        {
            // Redirected output: plain lines — each catch as it happens, progress every few seconds.
            var printed = 0;
            var lastProgress = TimeSpan.Zero;
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(250, CancellationToken.None));
                foreach (var c in stats.Catches.Skip(printed))
                {
                    Console.WriteLine(FormatCatch(c));
                    printed++;
                }
                if (stats.Clock.Elapsed - lastProgress >= TimeSpan.FromSeconds(5))
                {
                    lastProgress = stats.Clock.Elapsed;
                    Console.WriteLine(ProgressLine(stats));
                }
            }
            foreach (var c in stats.Catches.Skip(printed))
            {
                Console.WriteLine(FormatCatch(c));
            }
        }
        await run;
        if (stats.Fatal is null || stats.EventsSent > 0)
        {
            WriteSummary(stats);
        }
        if (stats.Fatal is { } fatal)
        {
            AnsiConsole.MarkupLine("[red]The stream ended with {0}: {1}[/]", fatal.StatusCode, Markup.Escape(fatal.Status.Detail));
            if (fatal.StatusCode == StatusCode.Unavailable)
            {
                AnsiConsole.MarkupLine("Is the server running at [blue]{0}[/]? Plaintext servers need an http:// address.", Markup.Escape(target));
            }
            return 1;
        }
        return 0;
    }

    private static string ProgressLine(ReplayStats s) => string.Format(CultureInfo.InvariantCulture,
        "{0,7:F1}s  sent {1:N0} events ({2:N0}/s)  sessions {3:N0}  anomalous verdicts {4:N0}  flagged sessions {5:N0}  errors {6:N0}",
        s.Clock.Elapsed.TotalSeconds, s.EventsSent, s.Rate, s.SessionsStarted, s.AnomalousVerdicts, s.FlaggedSessions, s.BatchErrors);

    private static string FormatCatch(Catch c) => string.Format(CultureInfo.InvariantCulture,
        "CAUGHT {0} [{1}] {2} score {3:F3} after {4} events: {5} {6}",
        c.SessionId, c.Class, VerdictStyle.Name(c.Severity), c.Score, c.EventsSeen, c.ReasonCode, c.ReasonMessage);

    private static IRenderable Render(ReplayStats s, ReplayOptions o)
    {
        var progress = new Grid().AddColumn().AddColumn(new GridColumn().RightAligned());
        progress.AddRow("elapsed", s.Clock.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        progress.AddRow("events sent", s.EventsSent.ToString("N0", CultureInfo.InvariantCulture));
        progress.AddRow("rate (target)", string.Format(CultureInfo.InvariantCulture, "{0:N0}/s ({1:N0}/s)", s.Rate, o.Rate));
        progress.AddRow("sessions started", s.SessionsStarted.ToString("N0", CultureInfo.InvariantCulture));
        progress.AddRow("verdicts", s.Verdicts.ToString("N0", CultureInfo.InvariantCulture));
        progress.AddRow("anomalous verdicts", $"[yellow]{s.AnomalousVerdicts.ToString("N0", CultureInfo.InvariantCulture)}[/]");
        progress.AddRow("flagged sessions", $"[yellow]{s.FlaggedSessions.ToString("N0", CultureInfo.InvariantCulture)}[/]");
        progress.AddRow("errors", s.BatchErrors > 0 ? $"[red]{s.BatchErrors.ToString("N0", CultureInfo.InvariantCulture)}[/]" : "0");

        var catches = new Table().Border(TableBorder.Simple).Title("caught so far (first " + o.MaxCatches.ToString(CultureInfo.InvariantCulture) + ")")
            .AddColumn("session").AddColumn("simulator class").AddColumn("severity").AddColumn("top reason");
        foreach (var c in s.Catches)
        {
            var cls = c.Class == AttackClasses.Normal ? "[grey]normal[/]" : $"[red]{Markup.Escape(c.Class)}[/]";
            catches.AddRow(Markup.Escape(c.SessionId), cls, VerdictStyle.Name(c.Severity), Markup.Escape($"{c.ReasonCode}: {c.ReasonMessage}"));
        }
        var rows = new List<IRenderable> { new Panel(progress).Header("TrackStream").Border(BoxBorder.Rounded), catches };
        if (s.FirstError is { } error)
        {
            rows.Add(new Markup("[red]first error:[/] " + Markup.Escape(error)));
        }
        return new Rows(rows);
    }

    private static void WriteSummary(ReplayStats s)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("summary: sessions the server flagged, by simulator class")
            .AddColumn("class").AddColumn(new TableColumn("sessions").RightAligned())
            .AddColumn(new TableColumn("flagged").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
        foreach (var (cls, sessions, flagged) in s.ByClass())
        {
            var share = sessions > 0 ? flagged / (double)sessions : 0;
            table.AddRow(Markup.Escape(cls), sessions.ToString("N0", CultureInfo.InvariantCulture), flagged.ToString("N0", CultureInfo.InvariantCulture),
                share.ToString("P1", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(ProgressLine(s));
        if (s.FirstError is { } error)
        {
            AnsiConsole.MarkupLine("[red]first error:[/] {0}", Markup.Escape(error));
        }
    }
}
