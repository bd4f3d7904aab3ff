using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
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
            // Its own channel, so that stopping the server (not disposing the test's channel) ends the stream.
            using var own = GrpcChannel.ForAddress(first.Address);
            var alerts = new AlertService.AlertServiceClient(own.Intercept(m =>
            {
                m.Add(TenantHeader, tenantId);
                return m;
            }));
            using var call = await SubscribeAsync(alerts, new SubscribeRequest(), CancellationToken.None);
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
            // The server stops while the subscriber is connected: the stream ends with UNAVAILABLE (resume).
            await first.DisposeAsync();
            // Alerts still buffered for it arrive first (the test resumes from alert 20 regardless).
            var ended = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            });
            Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
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
