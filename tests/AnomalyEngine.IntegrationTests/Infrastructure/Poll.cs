using System.Diagnostics;

namespace AnomalyEngine.IntegrationTests.Infrastructure;

/// <summary>Waiting for something the server does in the background (a reload, a heartbeat).</summary>
public static class Poll
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails the test with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"{what} did not happen within {timeout.TotalSeconds:0} s");
            await Task.Delay(50);
        }
    }
}
