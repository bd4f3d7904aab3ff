using AnomalyEngine.Core.Events;

namespace AnomalyEngine.UnitTests.Events;

public sealed class EventFileReaderUnitTests
{
    private static List<SessionEvent> Read(string text, EventReadOptions? options = null, EventReadStats? stats = null)
        => EventFileReader.Read(new StringReader(text), "events.jsonl", options, stats).ToList();

    [Fact]
    public void Reads_all_fields_and_ignores_unknown_ones()
    {
        var events = Read("""
            {"session_id":"s1","ts":1700000000000,"kind":"view","name":"/home","duration_ms":120,"user_id":"u1","extra":{"x":[1,2]},"attributes":{"ip":"10.0.0.1"}}

            {"session_id":"s1","ts":1700000001000,"kind":"action","name":"login","success":false,"event_id":"e2"}
            """);
        Assert.Equal(2, events.Count);
        Assert.Equal(new SessionEvent("s1", 1700000000000, EventKind.View, "/home", null, 120, "u1", null, events[0].Attributes), events[0]);
        Assert.Equal("10.0.0.1", events[0].Attributes!["ip"]);
        Assert.True(events[1].IsFailure);
        Assert.Equal("e2", events[1].EventId);
    }

    [Fact]
    public void Missing_field_names_file_and_line()
    {
        var ex = Assert.Throws<EventFileException>(() => Read("""
            {"session_id":"s1","ts":1700000000000,"kind":"view","name":"/home"}
            {"ts":1700000000000,"kind":"view","name":"/home"}
            """));
        Assert.Equal("events.jsonl:2: missing field session_id", ex.Message);
        Assert.Equal(2, ex.Line);
    }

    [Theory]
    [InlineData("""{"session_id":"s","ts":1700000000000,"kind":"click","name":"/a"}""", "events.jsonl:1: field kind must be \"view\" or \"action\"")]
    [InlineData("""{"session_id":"s","ts":"soon","kind":"view","name":"/a"}""", "events.jsonl:1: field ts must be an integer")]
    [InlineData("""{"session_id":"s","ts":1700000000000,"kind":"view","name":"/a",""", "events.jsonl:1: invalid JSON")]
    [InlineData("""{"session_id":"s","ts":1700000000000,"kind":"view","name":"/a","duration_ms":-5}""", "events.jsonl:1: duration_ms must not be negative")]
    [InlineData("""{"session_id":"s","ts":5,"kind":"view","name":"/a"}""", "events.jsonl:1: ts must be unix milliseconds")]
    public void Malformed_or_invalid_lines_are_reported_with_location(string line, string expectedStart)
    {
        var ex = Assert.Throws<EventFileException>(() => Read(line));
        Assert.StartsWith(expectedStart, ex.Message);
    }

    [Fact]
    public void Skip_invalid_counts_and_continues()
    {
        var stats = new EventReadStats();
        var events = Read("""
            {"session_id":"s1","ts":1700000000000,"kind":"view","name":"/home"}
            not json
            {"session_id":"s1","ts":1700000001000,"kind":"view"}
            {"session_id":"s1","ts":1700000002000,"kind":"view","name":"/cart"}
            """, new EventReadOptions { SkipInvalid = true }, stats);
        Assert.Equal(["/home", "/cart"], events.Select(e => e.Name));
        Assert.Equal(2, stats.Skipped);
        Assert.Equal(4, stats.Lines);
        Assert.StartsWith("events.jsonl:2:", stats.FirstErrors[0]);
        Assert.Equal("events.jsonl:3: missing field name", stats.FirstErrors[1]);
    }

    [Quality.HdfsDataFact]
    public void Reads_the_hdfs_sample()
    {
        var first = EventFileReader.Read(Quality.RepoPaths.HdfsEvents!).Take(100).ToList();
        Assert.Equal(100, first.Count);
        Assert.All(first, e => Assert.Equal(EventKind.Action, e.Kind));
    }
}

public sealed class LabelFileReaderUnitTests
{
    [Fact]
    public void Reads_labels_with_and_without_class()
    {
        var two = LabelFileReader.Read(new StringReader("session_id,label\na,0\nb,1\n"), "labels.csv");
        Assert.Equal(new SessionLabel(false, null), two["a"]);
        Assert.Equal(new SessionLabel(true, null), two["b"]);
        var three = LabelFileReader.Read(new StringReader("session_id,label,class\na,0,\nb,1,credential_stuffing\n"), "labels.csv");
        Assert.Equal("credential_stuffing", three["b"].Class);
        Assert.Null(three["a"].Class);
    }

    [Theory]
    [InlineData("id,label\na,1\n", "labels.csv:1: expected header session_id,label[,class]")]
    [InlineData("session_id,label\na,1\nb,yes\n", "labels.csv:3: label must be 0 or 1, got \"yes\"")]
    [InlineData("session_id,label\na,1\na,0\n", "labels.csv:3: duplicate session_id \"a\"")]
    [InlineData("session_id,label\na,1,x\n", "labels.csv:2: expected 2 columns, got 3")]
    public void Errors_name_file_and_line(string text, string expected)
    {
        var ex = Assert.Throws<EventFileException>(() => LabelFileReader.Read(new StringReader(text), "labels.csv"));
        Assert.StartsWith(expected, ex.Message);
    }
}
