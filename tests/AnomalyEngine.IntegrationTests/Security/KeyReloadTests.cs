using System.Text.Json;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using AnomalyEngine.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;
using static AnomalyEngine.IntegrationTests.Security.Tenants;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>
/// Keys in <c>Auth:KeysFile</c> change while the server runs: a new key works, a removed key stops
/// working and ends the streams opened with it, and a broken file changes nothing.
/// </summary>
public sealed class KeyReloadTests : IAsyncLifetime
{
    // The file provider polls every ~4 s; a reload lands well within this.
    private static readonly TimeSpan ReloadWait = TimeSpan.FromSeconds(30);

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"ae-keys-{Guid.NewGuid():N}.json");
    private EngineServer _server = null!;

    public async Task InitializeAsync()
    {
        WriteKeys(("acme", KeyA));
        _server = await EngineServer.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:Enabled"] = "true",
            ["Auth:KeysFile"] = _file,
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_file);
    }

    private LiveTenants Live => _server.Services.GetRequiredService<LiveTenants>();

    [Fact]
    public async Task A_key_added_to_the_file_works_and_a_removed_one_is_refused_without_a_restart()
    {
        var s = TestStore.SessionId(nameof(A_key_added_to_the_file_works_and_a_removed_one_is_refused_without_a_restart));
        await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0)), Bearer(KeyA));
        Assert.Equal(StatusCode.Unauthenticated, await RpcCalls.InvokeAsync(_server, "Track", Bearer(KeyA2), s));

        var version = Live.Current.Version;
        WriteKeys(("acme", KeyA2));
        await ReloadedWhen(() => Live.Current.Version > version);

        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyA2));
        Assert.Equal(1, info.Events); // The same tenant: its sessions are still there.
        Assert.Equal(StatusCode.Unauthenticated, await RpcCalls.InvokeAsync(_server, "Track", Bearer(KeyA), s));
    }

    [Fact]
    public async Task Switching_authentication_off_in_the_file_waits_for_a_restart()
    {
        var s = TestStore.SessionId(nameof(Switching_authentication_off_in_the_file_waits_for_a_restart));
        var version = Live.Current.Version;
        File.WriteAllText(_file, JsonSerializer.Serialize(new { Auth = new { Enabled = false, Tenants = new { acme = new { KeyHashes = new[] { ApiKeyHash.Compute(KeyA2) } } } } }));
        await ReloadedWhen(() => Live.Current.Version > version);

        Assert.Equal(StatusCode.OK, await RpcCalls.InvokeAsync(_server, "Track", Bearer(KeyA2), s)); // the keys applied…
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0))));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode); // …authentication did not switch off
    }

    [Fact]
    public async Task A_revoked_key_ends_the_alert_stream_opened_with_it()
    {
        using var call = _server.Alerts.Subscribe(new SubscribeRequest(), Bearer(KeyA));
        await call.ResponseHeadersAsync; // authenticated and live
        var read = ReadUntilEnd(call);
        var version = Live.Current.Version;
        WriteKeys(("globex", KeyB));
        await ReloadedWhen(() => Live.Current.Version > version);

        var ended = await read.WaitAsync(ReloadWait);
        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
        Assert.Contains("revoked", ended.Status.Detail);
        using var again = _server.Alerts.Subscribe(new SubscribeRequest(), Bearer(KeyA));
        Assert.Equal(StatusCode.Unauthenticated, (await ReadUntilEnd(again).WaitAsync(ReloadWait)).StatusCode);
    }

    [Fact]
    public async Task A_broken_file_or_a_bad_hash_is_refused_and_the_keys_in_force_stay()
    {
        var s = TestStore.SessionId(nameof(A_broken_file_or_a_bad_hash_is_refused_and_the_keys_in_force_stay));
        File.WriteAllText(_file, "{ \"Auth\": { \"Tenants\": { \"acme\": ");
        await ReloadedWhen(() => Live.LastReloadError?.Contains("not valid JSON") == true);
        await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0)), Bearer(KeyA));

        // A key pasted where its hash belongs: refused by the start-up validation's rules.
        File.WriteAllText(_file, JsonSerializer.Serialize(new { Auth = new { Tenants = new { acme = new { KeyHashes = new[] { KeyA2 } } } } }));
        await ReloadedWhen(() => Live.LastReloadError?.Contains("not a 64-digit hex SHA-256") == true);
        Assert.DoesNotContain(KeyA2, Live.LastReloadError);
        await _server.Scoring.TrackAsync(Batch(View(s, "/b", T0 + 1000)), Bearer(KeyA));
        Assert.Equal(StatusCode.Unauthenticated, await RpcCalls.InvokeAsync(_server, "Track", Bearer(KeyA2), s));
    }

    private void WriteKeys(params (string Tenant, string Key)[] keys)
    {
        var tenants = keys.GroupBy(k => k.Tenant).ToDictionary(g => g.Key, g => new { KeyHashes = g.Select(k => ApiKeyHash.Compute(k.Key)).ToArray() });
        // Write-then-rename, as a deployment tool would: the poller never sees half a file.
        var tmp = _file + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(new { Auth = new { Tenants = tenants } }));
        File.Move(tmp, _file, overwrite: true);
    }

    private static async Task<RpcException> ReadUntilEnd(AsyncServerStreamingCall<Alert> call)
    {
        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
            return new RpcException(Status.DefaultSuccess);
        }
        catch (RpcException ex)
        {
            return ex;
        }
    }

    private static Task ReloadedWhen(Func<bool> condition) => Poll.UntilAsync(condition, ReloadWait, "the keys file's reload");
}
