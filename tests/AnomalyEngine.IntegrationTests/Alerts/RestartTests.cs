using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using static AnomalyEngine.IntegrationTests.Alerts.AlertTestKit;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>The feed lives in the store: a new server process resumes a subscriber where it left off.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task After_a_server_restart_resuming_with_the_last_cursor_misses_nothing()
    {
        var tenantId = NewTenant();
        var prefix = Sid("rs");
        string lastCursor;
        List<Alert> firstPart;
        await using (var first = await StartAsync())
        {
            var tenant = For(first, tenantId);
            using var cts = new CancellationTokenSource();
            using var call = await SubscribeAsync(tenant.Alerts, new SubscribeRequest(), cts.Token);
            for (var i = 0; i < 30; i++)
            {
                await tenant.Scoring.TrackAsync(FailedLogins($"{prefix}-{i}"));
            }
            firstPart = await ReadAsync(call, 20);
            lastCursor = firstPart[^1].Cursor;
            // Alerts raised while nobody listens, just before the process goes away.
            for (var i = 30; i < 40; i++)
            {
                await tenant.Scoring.TrackAsync(FailedLogins($"{prefix}-{i}"));
            }
            await cts.CancelAsync();
        }

        await using (var second = await StartAsync())
        {
            var tenant = For(second, tenantId);
            for (var i = 40; i < 50; i++)
            {
                await tenant.Scoring.TrackAsync(FailedLogins($"{prefix}-{i}"));
            }
            using var cts = new CancellationTokenSource();
            using var call = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { ResumeAfter = lastCursor }, cts.Token);
            var marker = prefix + "-marker";
            await tenant.Scoring.TrackAsync(FailedLogins(marker));
            var rest = await ReadUntilAsync(call, a => a.SessionId == marker);

            var expected = Enumerable.Range(20, 30).Select(i => $"{prefix}-{i}").Append(marker);
            Assert.Equal(expected.Order(StringComparer.Ordinal), rest.Select(a => a.SessionId).Order(StringComparer.Ordinal));
            var seqs = firstPart.Concat(rest).Select(a => Seq(a.Cursor)).ToList();
            Assert.Equal(Enumerable.Range(1, 51).Select(i => (long)i), seqs);
        }
    }
}
