namespace AnomalyEngine.Simulation;

/// <summary>The labelled attack patterns the simulator can inject.</summary>
public enum AttackType
{
    /// <summary>Many failed logins with leaked credentials, few page views, short gaps.</summary>
    CredentialStuffing,
    /// <summary>A breadth-first crawl of catalog and product pages with too regular, too fast gaps and no cart.</summary>
    Scraper,
    /// <summary>A successful login followed by a path humans rarely take: settings, email/password change, payout.</summary>
    AccountTakeover,
    /// <summary>Repeated small payments, mostly declined, to find which stolen cards work.</summary>
    CardTesting,
    /// <summary>A normal session whose device, navigation and timing change abruptly midway.</summary>
    SessionHijack,
}

/// <summary>One attack to inject: its type, how hard it pushes and how often it is chosen.</summary>
/// <param name="Type">The attack.</param>
/// <param name="Intensity">Scales attempts/pages and speed; 1 is the documented default, 0.5 half as many, faster below.</param>
/// <param name="Weight">Relative share among the enabled attacks.</param>
public sealed record AttackSpec(AttackType Type, double Intensity = 1.0, double Weight = 1.0);

/// <summary>Class names as written to labels.csv.</summary>
public static class AttackClasses
{
    /// <summary>Class of a session without an attack.</summary>
    public const string Normal = "normal";

    /// <summary>Suffix of the harder-to-catch variant of an attack.</summary>
    public const string SubtleSuffix = "_subtle";

    /// <summary>Every attack type, in declaration order.</summary>
    public static IReadOnlyList<AttackType> All { get; } = Enum.GetValues<AttackType>();

    /// <summary>The snake_case class name of an attack, e.g. <c>credential_stuffing</c>.</summary>
    public static string Name(AttackType type) => type switch
    {
        AttackType.CredentialStuffing => "credential_stuffing",
        AttackType.Scraper => "scraper",
        AttackType.AccountTakeover => "account_takeover",
        AttackType.CardTesting => "card_testing",
        AttackType.SessionHijack => "session_hijack",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The class name of an attack, with <see cref="SubtleSuffix"/> for the subtle variant.</summary>
    public static string Name(AttackType type, bool subtle) => subtle ? Name(type) + SubtleSuffix : Name(type);

    /// <summary>Parses a class name (without the subtle suffix), case-insensitive; false when unknown.</summary>
    public static bool TryParse(string name, out AttackType type)
    {
        foreach (var t in All)
        {
            if (string.Equals(Name(t), name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                type = t;
                return true;
            }
        }
        type = default;
        return false;
    }
}
