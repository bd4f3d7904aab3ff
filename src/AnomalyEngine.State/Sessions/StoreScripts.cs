using System.Reflection;

namespace AnomalyEngine.State.Sessions;

/// <summary>The Lua scripts shipped as embedded resources.</summary>
internal static class StoreScripts
{
    public static readonly string ApplyEvents = Load("apply_events.lua");
    public static readonly string ReadSession = Load("read_session.lua");

    private static string Load(string name)
    {
        var assembly = typeof(StoreScripts).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + name, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
