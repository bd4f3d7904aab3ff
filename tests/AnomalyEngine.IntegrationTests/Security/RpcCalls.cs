using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>Calls any engine rpc by name and reports the status it ended with.</summary>
public static class RpcCalls
{
    /// <summary>Invokes <paramref name="rpc"/> about <paramref name="session"/>; OK when it succeeded.</summary>
    public static async Task<StatusCode> InvokeAsync(EngineServer server, string rpc, Metadata headers, string session)
    {
        // Streams that would stay open (Subscribe) are cut by a deadline; authentication answers long before.
        var deadline = DateTime.UtcNow.AddSeconds(rpc == "Subscribe" ? 3 : 30);
        try
        {
            switch (rpc)
            {
                case "Track":
                    await server.Scoring.TrackAsync(Batch(View(session, "/a", T0)), headers, deadline);
                    break;
                case "TrackStream":
                    using (var call = server.Scoring.TrackStream(headers, deadline))
                    {
                        try
                        {
                            await call.RequestStream.WriteAsync(Batch(View(session, "/a", T0)));
                            await call.RequestStream.CompleteAsync();
                        }
                        catch (RpcException)
                        {
                            // The server may have ended the call before our write; its status is read below.
                        }
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
                        {
                        }
                    }
                    break;
                case "GetSession":
                    await server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = session }, headers, deadline);
                    break;
                case "EndSession":
                    await server.Scoring.EndSessionAsync(new EndSessionRequest { SessionId = session }, headers, deadline);
                    break;
                case "LabelSession":
                    await server.Models.LabelSessionAsync(new LabelSessionRequest { SessionId = session, Anomalous = true }, headers, deadline);
                    break;
                case "ExportLabels":
                    using (var call = server.Models.ExportLabels(new ExportLabelsRequest(), headers, deadline))
                    {
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
                        {
                        }
                    }
                    break;
                case "GetModelInfo":
                    await server.Models.GetModelInfoAsync(new GetModelInfoRequest(), headers, deadline);
                    break;
                case "ReloadModel":
                    await server.Models.ReloadModelAsync(new ReloadModelRequest(), headers, deadline);
                    break;
                case "Subscribe":
                    using (var call = server.Alerts.Subscribe(new SubscribeRequest { Filter = new AlertFilter { SessionId = session } }, headers, deadline))
                    {
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
                        {
                        }
                    }
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(rpc), rpc, null);
            }
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }
}
