using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace AnomalyEngine.State.Sessions;

/// <summary>
/// A Lua script with its SHA1, run as EVALSHA so the script text (about 20 KB for
/// apply_events.lua, most of it comments) is not re-sent and re-hashed by the server on every call.
/// </summary>
/// <remarks>
/// On NOSCRIPT (a restarted server, a failover, SCRIPT FLUSH, a new cluster node) it falls back
/// to EVAL with the text, which also caches the script on that node, so the next call is EVALSHA
/// again. Works the same on Redis and Garnet; SCRIPT LOAD is avoided because on a cluster it must
/// go to the node that owns the key, which EVAL does by itself.
/// </remarks>
internal sealed partial class StoreScript
{
    private StoreScript(string text)
    {
        Text = text;
        Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The script source.</summary>
    public string Text { get; }

    /// <summary>The SHA1 digest Redis and Garnet key the script cache by.</summary>
    public byte[] Sha1 { get; }

    /// <summary>Runs the script by digest, falling back to the text once when the node does not know it.</summary>
    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(Sha1, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.OrdinalIgnoreCase))
        {
            return await db.ScriptEvaluateAsync(Text, keys, args).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Loads a script shipped as an embedded resource. Each line <c>--[[name.lua]]</c> in it becomes
    /// that script's text, resolved the same way: apply_then_check.lua wraps whole scripts in
    /// functions this way, and scripts share helpers such as packed_user_field.lua.
    /// </summary>
    public static StoreScript Load(string name) => new(Resolve(name));

    private static string Resolve(string name) => Include().Replace(ReadResource(name), m => Resolve(m.Groups[1].Value));

    [GeneratedRegex(@"--\[\[([a-z_]+\.lua)\]\]")]
    private static partial Regex Include();

    private static string ReadResource(string name)
    {
        var assembly = typeof(StoreScript).Assembly;
        string? resource = null;
        foreach (var n in assembly.GetManifestResourceNames())
        {
            if (n.EndsWith("." + name, StringComparison.Ordinal))
            {
                resource = n;
            }
        }
        using var stream = assembly.GetManifestResourceStream(resource ?? throw new InvalidOperationException("missing script " + name))!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>The Lua scripts shipped as embedded resources.</summary>
internal static class StoreScripts
{
    public static readonly StoreScript ApplyEvents = StoreScript.Load("apply_events.lua");
    public static readonly StoreScript ReadSession = StoreScript.Load("read_session.lua");
    public static readonly StoreScript SessionUserMark = StoreScript.Load("session_user_mark.lua");
    public static readonly StoreScript UserHistory = StoreScript.Load("user_history.lua");
    public static readonly StoreScript ApplyThenCheck = StoreScript.Load("apply_then_check.lua");
}
