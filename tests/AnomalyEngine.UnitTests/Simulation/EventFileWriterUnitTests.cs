using System.Text;
using System.Text.Json;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Simulation;

namespace AnomalyEngine.UnitTests.Simulation;

public sealed class EventFileWriterUnitTests
{
    private static string Write(IEnumerable<SessionEvent> events)
    {
        using var stream = new MemoryStream();
        using (var writer = new EventFileWriter(stream, leaveOpen: true))
        {
            writer.WriteAll(events);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void Full_event_is_written_with_the_documented_field_names()
    {
        var e = new SessionEvent("s1", 1_767_571_200_123, EventKind.Action, "payment", Success: false, DurationMs: 1500,
            UserId: "u1", EventId: "s1-3", Attributes: new Dictionary<string, string> { ["ip"] = "10.0.0.1", ["amount"] = "1.50" });
        var line = Write([e]);
        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(
            """{"session_id":"s1","ts":1767571200123,"kind":"action","name":"payment","success":false,"duration_ms":1500,"user_id":"u1","event_id":"s1-3","attributes":{"ip":"10.0.0.1","amount":"1.50"}}""" + "\n",
            line);
    }

    [Fact]
    public void Absent_optional_fields_are_omitted()
    {
        var line = Write([new SessionEvent("s2", 1_767_571_200_000, EventKind.View, "/")]);
        Assert.Equal("""{"session_id":"s2","ts":1767571200000,"kind":"view","name":"/"}""" + "\n", line);
    }

    [Fact]
    public void Characters_that_need_escaping_round_trip()
    {
        var name = "/search?q=\"caf\u00e9\"\\ + <b>";
        var line = Write([new SessionEvent("s\"3", 1_767_571_200_000, EventKind.View, name)]);
        using var doc = JsonDocument.Parse(line);
        Assert.Equal(name, doc.RootElement.GetProperty("name").GetString());
        Assert.Equal("s\"3", doc.RootElement.GetProperty("session_id").GetString());
    }

    [Fact]
    public void Simulated_events_parse_back_field_for_field()
    {
        var events = new TrafficSimulator(new SimulationOptions { Seed = 99, Sessions = 300, AttackRate = 0.2 })
            .Generate().SelectMany(s => s.Events).ToList();
        var lines = Write(events).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(events.Count, lines.Length);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            using var doc = JsonDocument.Parse(lines[i]);
            var root = doc.RootElement;
            Assert.Equal(e.SessionId, root.GetProperty("session_id").GetString());
            Assert.Equal(e.Ts, root.GetProperty("ts").GetInt64());
            Assert.Equal(e.Kind == EventKind.View ? "view" : "action", root.GetProperty("kind").GetString());
            Assert.Equal(e.Name, root.GetProperty("name").GetString());
            Assert.Equal(e.Success, root.TryGetProperty("success", out var success) ? success.GetBoolean() : null);
            Assert.Equal(e.DurationMs, root.TryGetProperty("duration_ms", out var duration) ? duration.GetInt64() : null);
            Assert.Equal(e.UserId, root.TryGetProperty("user_id", out var user) ? user.GetString() : null);
            Assert.Equal(e.EventId, root.GetProperty("event_id").GetString());
            var attributes = root.GetProperty("attributes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            Assert.Equal(e.Attributes!.OrderBy(kv => kv.Key), attributes.OrderBy(kv => kv.Key)!);
        }
    }

    [Fact]
    public void Labels_csv_has_header_and_one_row_per_session()
    {
        using var stream = new MemoryStream();
        EventFileWriter.WriteLabels(stream, [("s1", 0, "normal"), ("s2", 1, "scraper_subtle"), ("s,3", 1, null)]);
        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Equal("session_id,label,class\ns1,0,normal\ns2,1,scraper_subtle\n\"s,3\",1,\n", text);
    }

    [Fact]
    public void Labels_other_than_zero_or_one_are_refused()
    {
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => EventFileWriter.WriteLabels(stream, [("s1", 2, "x")]));
    }
}
