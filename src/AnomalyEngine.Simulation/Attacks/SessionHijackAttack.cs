namespace AnomalyEngine.Simulation.Attacks;

/// <summary>
/// Session hijack: a signed-in customer browses normally; their session cookie is stolen (malware,
/// a shared computer) and replayed. From that point the same session comes from another network and
/// device, jumps straight into the money part of the account and moves at bot speed. Subtle: only the
/// IP changes (same device and country) and the pace is fast but human, through the account overview.
/// </summary>
internal static class SessionHijackAttack
{
    public static void Generate(SessionBuilder b, AttackContext a)
    {
        var rng = b.Rng;
        var user = a.Population.PickUser(rng);
        var owner = Population.AsVisitor(user, rng);
        b.Attributes = owner.ToAttributes();
        b.UserId = user.UserId;

        // The honest first half: a remembered login, browsing as usual.
        var ctx = new HumanContext
        {
            User = user,
            SignedIn = true,
            ExitFactor = 0.25,
            MaxEvents = rng.Next(12, 24),
        };
        HumanBehavior.Walk(b, ctx, HumanBehavior.Entry(rng, ctx));
        while (b.Count < 4)
        {
            // The walk bounced; the owner still loaded a few pages before the cookie leaked, so the
            // honest half is long enough to be a baseline.
            b.Wait(rng.LogNormalMs(20_000, 0.8, 1_000, 600_000));
            HumanBehavior.Walk(b, new HumanContext { User = user, SignedIn = true, ExitFactor = 0.1, MaxEvents = 12 }, Page.Home);
        }

        // The takeover: another network (and device), seconds to minutes after the owner's last page.
        b.Wait(rng.LogNormalMs(45_000, 0.8, 2_000, 1_800_000));
        b.Attributes = a.Subtle
            ? (owner with { Ip = Population.Attacker(rng, subtle: true, user.Country).Ip }).ToAttributes()
            : Population.Attacker(rng, subtle: false).ToAttributes();

        if (a.Subtle)
        {
            long Pace() => rng.LogNormalMs(a.Gap(3_500), 0.4, 600, 30_000);
            b.View(SiteMap.Account, HumanBehavior.PageLoad(rng));
            b.Wait(Pace());
            b.View(SiteMap.PaymentMethods, HumanBehavior.PageLoad(rng));
            b.Wait(Pace());
            b.Action(SiteMap.PaymentMethodAdd, true, HumanBehavior.ActionTime(rng, 900));
            b.Wait(Pace());
            b.View(SiteMap.Payout, HumanBehavior.PageLoad(rng));
            b.Wait(Pace());
            b.Action(SiteMap.PayoutMethodAdd, true, HumanBehavior.ActionTime(rng, 900));
            return;
        }

        long Fast() => rng.LogNormalMs(a.Gap(550), 0.3, 100, 5_000);
        long Tiny() => rng.LogNormalMs(40, 0.3, 5, 500);
        b.View(SiteMap.Payout, Tiny());
        b.Wait(Fast());
        b.Action(SiteMap.PayoutMethodAdd, true, Tiny());
        b.Wait(Fast());
        b.View(SiteMap.Settings, Tiny());
        b.Wait(Fast());
        b.Action(SiteMap.EmailChange, true, Tiny());
        b.Wait(Fast());
        b.View(SiteMap.PaymentMethods, Tiny());
        b.Wait(Fast());
        var extra = a.Count(rng, 0, 2, floor: 0);
        for (var i = 0; i < extra; i++)
        {
            // The attacker's own cards, for buying goods on the victim's name.
            b.Action(SiteMap.PaymentMethodAdd, rng.Chance(0.7), Tiny());
            b.Wait(Fast());
        }
        b.View(SiteMap.Payout, Tiny());
    }
}
