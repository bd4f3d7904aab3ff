using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;
using Verdict = AnomalyEngine.Core.Verdicts.Verdict;
using Reason = AnomalyEngine.Core.Verdicts.Reason;
using AnomalyEngine.IntegrationTests.Infrastructure;
using AnomalyEngine.Server.Grpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using CoreSeverity = AnomalyEngine.Core.Verdicts.Severity;
using Severity = AnomalyEngine.Contracts.V1.Severity;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>
/// Helpers for alert tests. The feed is per tenant, so each test gets its own tenant (sent in a test-only
/// header that a test-only middleware copies into <see cref="TenantContext.ItemKey"/>): counts are exact
/// even with tests running in parallel on one store.
/// </summary>
public static class AlertTestKit
{
    /// <summary>The test-only header carrying the tenant.</summary>
    public const string TenantHeader = "x-test-tenant";

    /// <summary>A tenant id unique to one test.</summary>
    public static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>
    /// Starts a server with the test tenant middleware and, when given, a scorer whose severity follows
    /// <paramref name="rule"/> (anomalous when the rule says at least Low).
    /// </summary>
    public static Task<EngineServer> StartAsync(IDictionary<string, string?>? settings = null, Func<SessionState, CoreSeverity>? rule = null, Action<IServiceCollection>? more = null) =>
        EngineServer.StartAsync(settings, services =>
        {
            services.AddTransient<IStartupFilter, TestTenantStartupFilter>();
            more?.Invoke(services);
            if (rule is not null)
            {
                services.AddSingleton<ISessionScorerSource>(new RuleScorer(rule));
            }
        });

    /// <summary>A short session id unique to one test (test names are too long for ids).</summary>
    public static string Sid(string tag) => $"{tag}-{Guid.NewGuid():N}";

    /// <summary>Clients of <paramref name="server"/> acting as <paramref name="tenant"/>.</summary>
    public static TenantClients For(EngineServer server, string tenant)
    {
        var invoker = server.Channel.Intercept(m =>
        {
            m.Add(TenantHeader, tenant);
            return m;
        });
        return new TenantClients(new ScoringService.ScoringServiceClient(invoker), new AlertService.AlertServiceClient(invoker));
    }

    /// <summary>Events that make a session anomalous with any sensible scorer: six failed logins in a row.</summary>
    public static TrackRequest FailedLogins(string session, int count = 6, long t0 = 0, string? user = null)
    {
        var r = new TrackRequest();
        var start = t0 == 0 ? T0 : t0;
        for (var i = 0; i < count; i++)
        {
            var e = Action(session, "login", start + i * 100, success: false);
            e.UserId = user ?? "";
            r.Events.Add(e);
        }
        return r;
    }

    /// <summary>Subscribes and waits until the server says the subscription is live (response headers).</summary>
    public static async Task<AsyncServerStreamingCall<Alert>> SubscribeAsync(AlertService.AlertServiceClient client, SubscribeRequest request, CancellationToken ct)
    {
        var call = client.Subscribe(request, cancellationToken: ct);
        await call.ResponseHeadersAsync;
        return call;
    }

    /// <summary>Reads alerts until one matches <paramref name="last"/> (included). The timeout only guards against a hang.</summary>
    public static async Task<List<Alert>> ReadUntilAsync(AsyncServerStreamingCall<Alert> call, Func<Alert, bool> last, int guardSeconds = 120)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(guardSeconds));
        var list = new List<Alert>();
        while (await call.ResponseStream.MoveNext(guard.Token))
        {
            list.Add(call.ResponseStream.Current);
            if (last(call.ResponseStream.Current))
            {
                return list;
            }
        }
        throw new InvalidOperationException("the stream ended before the expected alert");
    }

    /// <summary>Reads exactly <paramref name="count"/> alerts.</summary>
    public static async Task<List<Alert>> ReadAsync(AsyncServerStreamingCall<Alert> call, int count, int guardSeconds = 120)
    {
        var n = 0;
        return count == 0 ? [] : await ReadUntilAsync(call, _ => ++n == count, guardSeconds);
    }

    /// <summary>Asserts that single-partition cursors rise by exactly one from each alert to the next: no gap, no repeat.</summary>
    public static void AssertGapless(IEnumerable<Alert> alerts)
    {
        var seqs = alerts.Select(a => Seq(a.Cursor)).ToList();
        Assert.All(seqs.Zip(seqs.Skip(1)), p => Assert.Equal(p.First + 1, p.Second));
    }

    /// <summary>The sequence number of a single-partition cursor ("v1:123").</summary>
    public static long Seq(string cursor) => long.Parse(cursor.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The two clients of one tenant.</summary>
    public sealed record TenantClients(ScoringService.ScoringServiceClient Scoring, AlertService.AlertServiceClient Alerts);

    /// <summary>Copies the test tenant header into the HttpContext item that <see cref="TenantContext"/> reads.</summary>
    private sealed class TestTenantStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (http, nextMiddleware) =>
            {
                if (http.Request.Headers.TryGetValue(TenantHeader, out var tenant) && tenant.Count == 1)
                {
                    http.Items[TenantContext.ItemKey] = tenant[0];
                }
                await nextMiddleware(http);
            });
            next(app);
        };
    }

    /// <summary>A scorer whose severity follows a rule the test sets; one reason, coded by severity.</summary>
    private sealed class RuleScorer(Func<SessionState, CoreSeverity> rule) : ISessionScorer, ISessionScorerSource
    {
        public string ModelVersion => "test-rule";

        public ISessionScorer Current => this;

        public Verdict Score(SessionState state, bool final)
        {
            var severity = rule(state);
            var anomalous = severity >= CoreSeverity.Low;
            Reason[] reasons = anomalous
                ? [new Reason("RULE_" + severity.ToString().ToUpperInvariant(), "rule", "the test rule says " + severity, 1.0, new Dictionary<string, string>())]
                : [];
            return new Verdict(state.SessionId, (int)severity / 5.0, severity, anomalous, reasons, ModelVersion, state.Events, state.UserId, final);
        }

        public IReadOnlyList<KeyValuePair<string, double>> DescribeFeatures(SessionState state) => [];
    }

    /// <summary>Maps a test severity to the wire enum.</summary>
    public static Severity Wire(CoreSeverity s) => (Severity)(int)s;
}
