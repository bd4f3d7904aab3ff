namespace AnomalyEngine.State.Alerts;

/// <summary>One stored alert of a feed partition.</summary>
/// <param name="Partition">Feed partition.</param>
/// <param name="Seq">Sequence number within the partition (1, 2, 3, … without holes until trimmed).</param>
/// <param name="Time">Unix ms when it was raised.</param>
/// <param name="Body">The payload the producer stored (a protobuf <c>Alert</c> without cursor).</param>
public sealed record AlertRecord(int Partition, long Seq, long Time, ReadOnlyMemory<byte> Body);

/// <summary>A page read from a partition.</summary>
/// <param name="Head">Highest sequence number handed out in the partition at the moment of the read.</param>
/// <param name="Records">Records after the requested sequence, in order.</param>
public sealed record AlertPage(long Head, IReadOnlyList<AlertRecord> Records);
