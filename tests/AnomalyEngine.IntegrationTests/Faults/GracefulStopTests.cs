using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.IntegrationTests.Infrastructure;
using AnomalyEngine.Server.Faults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Faults;

/// <summary>A unary call in flight when the server is told to stop still completes with its verdict.</summary>
public sealed class GracefulStopTests
{
    [Fact]
    public async Task An_in_flight_Track_finishes_while_the_server_stops()
    {
        var gate = new GatedScorers();
        await using var server = await EngineServer.StartAsync(services: s =>
        {
            // Decorate whatever scorer source the composition root registered, holding calls at a gate.
            var original = s.Last(d => d.ServiceType == typeof(ISessionScorerSource));
            s.RemoveAll<ISessionScorerSource>();
            s.AddSingleton<ISessionScorerSource>(sp =>
            {
                gate.Inner = original.ImplementationFactory is { } f ? (ISessionScorerSource)f(sp)
                    : original.ImplementationInstance as ISessionScorerSource
                    ?? (ISessionScorerSource)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!);
                return gate;
            });
        });
        var s = TestStore.SessionId(nameof(An_in_flight_Track_finishes_while_the_server_stops));
        gate.Hold = true;

        var call = server.Scoring.TrackAsync(Batch(View(s, "/a", T0)), deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync;
        await gate.Entered.Task;
        var stopping = server.StopAsync();
        await WhenCancelled(server.Services.GetRequiredService<ShutdownSignal>().Stopping);
        gate.Release();

        var response = await call;
        await stopping;
        Assert.Equal(1, response.Verdicts.Single().EventsSeen);
    }

    private static Task WhenCancelled(CancellationToken token)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => tcs.TrySetResult());
        return tcs.Task;
    }

    private sealed class GatedScorers : ISessionScorerSource
    {
        private readonly ManualResetEventSlim _open = new(false);

        public ISessionScorerSource Inner { get; set; } = null!;

        public bool Hold { get; set; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ISessionScorer Current
        {
            get
            {
                if (Hold)
                {
                    Entered.TrySetResult();
                    _open.Wait(TimeSpan.FromSeconds(60));
                }
                return Inner.Current;
            }
        }

        public void Release() => _open.Set();
    }
}
