using AnomalyEngine.Server.Alerts;
using AnomalyEngine.State.Alerts;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>When a subscriber's inbox asks for a read of the log, and when a hand-off makes it unnecessary.</summary>
public sealed class AlertWakerTests
{
    private static AlertWaker NewWaker(int partitions = 2) => new(partitions, () => { }, () => { });

    private static AlertRecord Record(int partition, long seq) => new(partition, seq, 1, ReadOnlyMemory<byte>.Empty);

    [Fact]
    public void A_wake_up_for_an_alert_already_handed_over_asks_for_no_read_and_a_later_one_does()
    {
        var waker = NewWaker();
        waker.Offer(Record(1, 5));

        waker.Announce(1, 5);
        waker.Announce(1, 4);
        Assert.False(waker.TakeReadLog());

        waker.Announce(0, 1);
        Assert.True(waker.TakeReadLog());
        waker.Announce(1, 6);
        Assert.True(waker.TakeReadLog());
        Assert.False(waker.TakeReadLog());
    }

    [Fact]
    public void Hand_offs_come_out_in_the_order_offered_and_overflow_turns_into_a_read()
    {
        var waker = NewWaker(1);
        for (var seq = 1; seq <= 1025; seq++)
        {
            waker.Offer(Record(0, seq));
        }

        Assert.True(waker.TakeReadLog());
        for (var seq = 1; seq <= 1024; seq++)
        {
            Assert.True(waker.TryTake(out var r));
            Assert.Equal(seq, r.Seq);
        }
        Assert.False(waker.TryTake(out _));
    }

    [Fact]
    public void A_record_of_a_partition_this_subscriber_does_not_know_asks_for_a_read()
    {
        var waker = NewWaker(1);
        waker.Offer(Record(3, 1));
        Assert.True(waker.TakeReadLog());
        Assert.False(waker.TryTake(out _));
    }
}
