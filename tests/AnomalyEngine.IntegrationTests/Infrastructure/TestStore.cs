using AnomalyEngine.State.Embedded;

namespace AnomalyEngine.IntegrationTests.Infrastructure;

/// <summary>
/// The store the integration suite runs against: the redis-server named by AE_TEST_REDIS
/// (scripts/test.sh starts one), or else one embedded Garnet shared by the whole test run.
/// </summary>
public static class TestStore
{
    private static readonly Lazy<EmbeddedGarnet> Garnet = new(() => EmbeddedGarnet.Start());

    /// <summary>StackExchange.Redis configuration of the store under test.</summary>
    public static string Configuration =>
        Environment.GetEnvironmentVariable("AE_TEST_REDIS") is { Length: > 0 } redis
            ? redis
            : Garnet.Value.ConnectionString;

    /// <summary>"redis" or "garnet", for messages.</summary>
    public static string Kind => Environment.GetEnvironmentVariable("AE_TEST_REDIS") is { Length: > 0 } ? "redis" : "garnet";

    /// <summary>A session id unique to one test, so tests sharing the store never see each other's keys.</summary>
    public static string SessionId(string testName) => $"{testName}-{Guid.NewGuid():N}";
}
