using System.Globalization;
using System.Net;
using AnomalyEngine.Core.Events;

namespace AnomalyEngine.Core.Sessions;

/// <summary>
/// What a session's user history check found: which of the session's network, device and country
/// the user had not used in earlier sessions, and how many earlier sessions there were. A signed-in
/// session is checked once, at its first event that carries both a user id (then or before) and
/// some context attribute (<see cref="UserHistory.IsDue"/>).
/// </summary>
/// <param name="Novel">Bit <c>1 &lt;&lt; (int)ContextAttribute</c> set: that value was new to the user (ip: its network).</param>
/// <param name="PriorSessions">The user's earlier checked sessions, at most <see cref="UserHistory.MaxPriorSessions"/>.</param>
public readonly record struct UserCheck(byte Novel, int PriorSessions)
{
    /// <summary>Whether the value of <paramref name="attribute"/> was new to the user.</summary>
    public bool IsNovel(ContextAttribute attribute) => (Novel & (1 << (int)attribute)) != 0;
}

/// <summary>
/// The rules of the per-user history that the live store (<c>user_history.lua</c>) and the offline
/// <see cref="UserHistoryBook"/> share: which values are compared, when a session is checked, and
/// the tag that makes a repeated check of one session (a retry) give the same answer.
/// </summary>
public static class UserHistory
{
    /// <summary>Earlier sessions are counted up to this (one byte in the packed session state).</summary>
    public const int MaxPriorSessions = 255;

    /// <summary>Values remembered per attribute and user; beyond it the least recently seen is forgotten.</summary>
    public const int ValuesPerAttribute = 16;

    /// <summary>
    /// Whether a session is to be checked after <paramref name="e"/> was applied: it has a user id,
    /// was not checked yet, and <paramref name="e"/> carries some context attribute to check.
    /// </summary>
    public static bool IsDue(SessionState s, SessionEvent e) => s.UserId is not null && s.UserCheck is null && CarriesContext(e);

    /// <summary>Whether an event carries an ip, device or country.</summary>
    public static bool CarriesContext(SessionEvent e)
    {
        for (var a = 0; a < SessionContext.Count; a++)
        {
            if (SessionContext.ValueOf(e.Attributes, (ContextAttribute)a) is not null)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The digests an event is checked with, in <see cref="ContextAttribute"/> order (0: absent):
    /// for the ip its network (<see cref="NetworkOf"/>), a home line's addresses change, its network
    /// does not; the device and country as they are.
    /// </summary>
    public static void Digests(SessionEvent e, Span<ushort> digests)
    {
        for (var a = 0; a < SessionContext.Count; a++)
        {
            var value = SessionContext.ValueOf(e.Attributes, (ContextAttribute)a);
            digests[a] = value is null ? (ushort)0
                : SessionContext.Digest((ContextAttribute)a == ContextAttribute.Ip ? NetworkOf(value) : value);
        }
    }

    /// <summary>The network of an address: IPv4 its /24, IPv6 its /64; anything else as it is.</summary>
    public static string NetworkOf(string ip)
    {
        if (!IPAddress.TryParse(ip, out var address))
        {
            return ip;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return written == 4
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/24")
            : Convert.ToHexStringLower(bytes[..8]) + "/64";
    }

    /// <summary>
    /// A session's tag in the history (FNV-1a over the id's UTF-16 code units): a value first seen by
    /// this very session still counts as new when the session is checked again (a retry after a
    /// failed call), and the session is not counted twice.
    /// </summary>
    public static uint SessionTag(string sessionId) => SessionContext.Fnv1a(sessionId);
}
