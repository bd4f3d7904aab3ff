using Grpc.Core;

namespace AnomalyEngine.Server.Faults;

/// <summary>
/// Tells long-lived calls that this replica is stopping, before Kestrel stops waiting for them.
/// Server streams should end when <see cref="Stopping"/> fires by throwing <see cref="ResumeElsewhere"/>,
/// so clients reconnect (to another replica) and resume from their last cursor. The
/// <see cref="FaultPolicy"/> already links this token into <c>ServerCallContext.CancellationToken</c>
/// of streaming calls and turns the resulting cancellation into that status, so a stream that honours
/// its call's token needs nothing more.
/// </summary>
public sealed class ShutdownSignal(IHostApplicationLifetime lifetime)
{
    /// <summary>The message streams end with when the server stops.</summary>
    public const string ResumeMessage = "server shutting down, resume from your last cursor";

    /// <summary>Cancelled when the host begins to stop (IHostApplicationLifetime.ApplicationStopping).</summary>
    public CancellationToken Stopping => lifetime.ApplicationStopping;

    /// <summary>True once the host has begun to stop.</summary>
    public bool IsStopping => lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>UNAVAILABLE "server shutting down, resume from your last cursor": retryable, on another replica.</summary>
    public static RpcException ResumeElsewhere() => new(new Status(StatusCode.Unavailable, ResumeMessage));
}
