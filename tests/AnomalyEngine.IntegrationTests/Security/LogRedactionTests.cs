using System.Collections.Concurrent;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Faults;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;
using static AnomalyEngine.IntegrationTests.Security.Tenants;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>
/// Every log line the server writes, at every level, through start, good and bad calls and a store
/// outage, contains no API key, no Redis password and no attribute value.
/// </summary>
public sealed class LogRedactionTests
{
    private const string RedisPassword = "redis-pass-7f3a9c";
    private const string AttributeSecret = "attr-secret-1b2c";

    [RedisServerFact]
    public async Task Logs_never_contain_keys_passwords_or_event_values()
    {
        using var redis = await RedisServerProcess.StartAsync("--requirepass", RedisPassword);
        var logs = new CapturingLoggerProvider();
        var settings = AuthSettings(
            ("Redis:Configuration", $"{redis.Configuration},password={RedisPassword}"),
            ("Logging:LogLevel:Default", "Trace"));
        await using (var server = await EngineServer.StartAsync(settings, s => s.AddSingleton<ILoggerProvider>(logs)))
        {
            var s = TestStore.SessionId(nameof(Logs_never_contain_keys_passwords_or_event_values));
            var e = View(s, "/a", T0);
            e.Attributes["ip"] = AttributeSecret;
            await server.Scoring.TrackAsync(Batch(e), Bearer(KeyA));
            await Assert.ThrowsAsync<RpcException>(async () => await server.Scoring.TrackAsync(Batch(e), Bearer(KeyA + "-wrong")));
            var bad = e.Clone();
            bad.Name = "";
            await Assert.ThrowsAsync<RpcException>(async () => await server.Scoring.TrackAsync(Batch(bad), Bearer(KeyB)));

            redis.Kill();
            var down = await Assert.ThrowsAsync<RpcException>(async () => await server.Scoring.TrackAsync(Batch(e), Bearer(KeyA)));
            Assert.Equal(StatusCode.Unavailable, down.StatusCode);
        }

        Assert.NotEmpty(logs.Lines);
        Assert.Contains(logs.Lines, l => l.Contains("store is unavailable", StringComparison.Ordinal));
        foreach (var secret in new[] { KeyA, KeyB, RedisPassword, AttributeSecret, Server.Security.ApiKeyHash.Compute(KeyA) })
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>Keeps every formatted message and exception text, at every level.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}
