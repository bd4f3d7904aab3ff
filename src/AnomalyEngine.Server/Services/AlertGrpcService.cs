using System.Threading.Channels;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Server.Alerts;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.Server.Hosting;
using AnomalyEngine.State.Alerts;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using CoreViolation = AnomalyEngine.Core.Events.FieldViolation;

namespace AnomalyEngine.Server.Services;

/// <summary>
/// The alert feed. Validates the request, then runs two loops per call: a reader that fills a bounded
/// buffer from the log (<see cref="AlertFeedReader"/>), and this stream's one writer loop draining it.
/// </summary>
public sealed class AlertGrpcService(
    AlertLog log,
    AlertHub hub,
    IOptions<AlertOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<AlertGrpcService> logger) : AlertService.AlertServiceBase
{
    /// <inheritdoc />
    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<Alert> responseStream, ServerCallContext context)
    {
        var violations = new List<CoreViolation>();
        var matcher = AlertMatcher.Create(request.Filter, violations);
        long[]? resumeAfter = null;
        if (request.ResumeAfter.Length > 0)
        {
            if (AlertCursor.TryParse(request.ResumeAfter, log.Partitions, out var seqs, out var error))
            {
                resumeAfter = seqs;
            }
            else
            {
                violations.Add(new("resume_after", error));
            }
            if (request.FromOldest)
            {
                violations.Add(new("from_oldest", "cannot be combined with resume_after"));
            }
        }
        RpcErrors.ThrowIfAny(violations);

        var tenant = TenantContext.Of(context);
        var o = options.Value;
        var buffer = Channel.CreateBounded<Alert>(new BoundedChannelOptions(o.SubscriberBuffer) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        using var waker = await hub.RegisterAsync(tenant, log.Partitions);
        var reader = new AlertFeedReader(log, o, tenant, matcher, resumeAfter, request.FromOldest);
        try
        {
            await reader.InitializeAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Log.SubscriberStoreFailed(logger, tenant, e);
            throw new RpcException(new Status(StatusCode.Unavailable, "alert store unavailable; retry"));
        }
        // Headers tell the client the subscription is live: every alert raised from now on will reach it.
        // They carry the start position, so a client that disconnects before its first alert can still
        // resume without a gap.
        await context.WriteResponseHeadersAsync([new Metadata.Entry(AlertCursor.StartHeader, reader.StartCursor)]);
        Log.SubscriberStarted(logger, tenant);
        var pump = PumpAsync(reader, waker, buffer.Writer, tenant, stop.Token);
        try
        {
            // The stream's one writer loop. Shutdown (in the call's token) stops it between alerts; a write
            // itself gets no token, because cancelling a write in flight makes grpc-dotnet reset the
            // stream, and the client would see CANCELLED instead of the UNAVAILABLE that tells it to
            // resume. A client that goes away fails the write by itself.
            await foreach (var alert in buffer.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(alert);
            }
        }
        catch (ChannelClosedException e) when (e.InnerException is RpcException rpc)
        {
            throw rpc;
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
            Log.SubscriberEnded(logger, tenant, reader.Delivered);
        }
    }

    private async Task PumpAsync(AlertFeedReader reader, AlertWaker waker, ChannelWriter<Alert> writer, string tenant, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            await reader.RunAsync(waker, writer, ct);
            writer.TryComplete();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Client gone (the writer loop sees that itself) or the server is stopping: tell the client to resume.
            writer.TryComplete(lifetime.ApplicationStopping.IsCancellationRequested
                ? new RpcException(new Status(StatusCode.Unavailable, "server is shutting down; resume from your last cursor"))
                : null);
        }
        catch (RpcException e)
        {
            if (e.StatusCode == StatusCode.ResourceExhausted)
            {
                Log.SubscriberLagging(logger, tenant, options.Value.SubscriberBuffer);
            }
            writer.TryComplete(e);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Log.SubscriberStoreFailed(logger, tenant, e);
            writer.TryComplete(new RpcException(new Status(StatusCode.Unavailable, "alert store unavailable; resume from your last cursor")));
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
        }
    }
}
