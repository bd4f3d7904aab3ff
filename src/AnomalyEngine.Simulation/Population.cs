using System.Globalization;

namespace AnomalyEngine.Simulation;

/// <summary>Where a session comes from: the attributes its events carry.</summary>
internal sealed record Visitor(string Ip, string Device, string Country)
{
    /// <summary>The attribute map shared by the session's events (one instance: events never mutate it).</summary>
    public IReadOnlyDictionary<string, string> ToAttributes()
        => new Dictionary<string, string>(3) { ["ip"] = Ip, ["device"] = Device, ["country"] = Country };
}

/// <summary>A registered user: a stable id, home country, usual devices and home network.</summary>
internal sealed record UserProfile(string UserId, string Country, string[] Devices, string HomeIpPrefix);

/// <summary>
/// The registered users and the anonymous/attacker visitor mix. Users are drawn Zipf-skewed so a few
/// come back often and most a few times; each profile is derived from (seed, index) alone, so it does
/// not depend on the order sessions are generated in.
/// </summary>
internal sealed class Population
{
    internal static readonly string[] Countries = ["US", "GB", "DE", "FR", "IN", "BR", "CA", "NL", "ES", "PL", "JP", "AU"];
    private static readonly double[] s_countryWeights = [30, 12, 11, 8, 8, 6, 5, 4, 4, 4, 4, 4];

    // Countries rarely seen among this shop's customers; attackers' exits are over-represented there.
    internal static readonly string[] UnusualCountries = ["RU", "VN", "NG", "UA", "ID", "RO", "TR", "KZ"];

    // First octets standing in for cloud and hosting ranges, where blatant attack tooling runs.
    private static readonly string[] s_hostingPrefixes = ["45", "104", "138", "159", "167", "185", "193", "209"];

    internal static readonly string[] Devices =
        ["desktop-chrome", "desktop-safari", "desktop-firefox", "desktop-edge", "mobile-ios-safari", "mobile-android-chrome", "app-ios", "app-android"];
    private static readonly double[] s_deviceWeights = [28, 8, 6, 6, 18, 16, 9, 9];

    private readonly long _seed;
    private readonly UserProfile?[] _users;
    private readonly ZipfSampler _userPopularity;

    public Population(long seed, int users)
    {
        _seed = seed;
        _users = new UserProfile?[Math.Max(1, users)];
        _userPopularity = new ZipfSampler(_users.Length, 0.8);
    }

    /// <summary>A registered user, drawn by how often users come back.</summary>
    public UserProfile PickUser(SimRandom rng) => User(_userPopularity.Sample(rng));

    /// <summary>Any registered user uniformly: victims of account takeover are not only the regulars.</summary>
    public UserProfile PickVictim(SimRandom rng) => User(rng.Next(0, _users.Length));

    private UserProfile User(int index)
    {
        if (_users[index] is { } cached)
        {
            return cached;
        }
        var rng = new SimRandom(_seed ^ 0x5EED_0001, index);
        // The seed is mixed before the index is added: seed·31 + index made seed 12's user 31 + i the
        // same id as seed 13's user i, so two seeds replayed into one server shared users' histories.
        var id = "u_" + SimRandom.Mix(SimRandom.Mix((ulong)_seed) + (ulong)index).ToString("x16", CultureInfo.InvariantCulture);
        var country = Countries[rng.Pick(s_countryWeights)];
        var devices = rng.Chance(0.45)
            ? [Devices[rng.Pick(s_deviceWeights)], Devices[rng.Pick(s_deviceWeights)]]
            : new[] { Devices[rng.Pick(s_deviceWeights)] };
        var prefix = CountryPrefix(rng, country) + "." + rng.Next(0, 256).ToString(CultureInfo.InvariantCulture);
        return _users[index] = new UserProfile(id, country, devices, prefix);
    }

    /// <summary>A registered user on one of their usual devices at (mostly) their home network.</summary>
    public static Visitor AsVisitor(UserProfile user, SimRandom rng)
    {
        var device = rng.Pick(user.Devices);
        // Phones roam: a mobile session is often on a carrier network instead of the home line.
        var ip = !IsMobile(device) || rng.Chance(0.6)
            ? user.HomeIpPrefix + "." + rng.Next(2, 255).ToString(CultureInfo.InvariantCulture)
            : RandomIp(rng, user.Country);
        return new Visitor(ip, device, user.Country);
    }

    /// <summary>The same visitor after their phone moved to another network (Wi-Fi to carrier, or between cells).</summary>
    public static Visitor Roamed(Visitor visitor, SimRandom rng) => visitor with { Ip = RandomIp(rng, visitor.Country) };

    /// <summary>Whether a device roams between networks within a session (phones and apps do, desktops do not).</summary>
    public static bool IsMobile(string device) => !device.StartsWith("desktop", StringComparison.Ordinal);

    /// <summary>A first-time or guest visitor.</summary>
    public static Visitor Anonymous(SimRandom rng)
    {
        var country = Countries[rng.Pick(s_countryWeights)];
        return new Visitor(RandomIp(rng, country), Devices[rng.Pick(s_deviceWeights)], country);
    }

    /// <summary>
    /// An attacker's exit node. Blatant variants come from hosting ranges and unusual countries; subtle
    /// ones from residential proxies in <paramref name="blendCountry"/> (the victim's country when known).
    /// </summary>
    public static Visitor Attacker(SimRandom rng, bool subtle, string? blendCountry = null)
    {
        if (subtle)
        {
            var country = blendCountry ?? Countries[rng.Pick(s_countryWeights)];
            return new Visitor(RandomIp(rng, country), Devices[rng.Pick(s_deviceWeights)], country);
        }
        var c = rng.Chance(0.6) ? rng.Pick(UnusualCountries) : Countries[rng.Pick(s_countryWeights)];
        // Attack tools mostly claim to be desktop Chrome.
        var d = rng.Chance(0.7) ? "desktop-chrome" : Devices[rng.Pick(s_deviceWeights)];
        return new Visitor(rng.Pick(s_hostingPrefixes) + "." + Octets(rng, 3), d, c);
    }

    private static string RandomIp(SimRandom rng, string country) => CountryPrefix(rng, country) + "." + Octets(rng, 2);

    // Synthetic per-country first octets: plausible-looking, not a real geo-IP mapping.
    private static string CountryPrefix(SimRandom rng, string country)
    {
        var h = 0;
        foreach (var ch in country)
        {
            h = (h * 31) + ch;
        }
        var first = 20 + (h % 60) + (rng.Next(0, 3) * 61);
        return first.ToString(CultureInfo.InvariantCulture) + "." + rng.Next(0, 256).ToString(CultureInfo.InvariantCulture);
    }

    private static string Octets(SimRandom rng, int count)
    {
        Span<char> buf = stackalloc char[16];
        var pos = 0;
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                buf[pos++] = '.';
            }
            rng.Next(1, 255).TryFormat(buf[pos..], out var written, default, CultureInfo.InvariantCulture);
            pos += written;
        }
        return new string(buf[..pos]);
    }
}
