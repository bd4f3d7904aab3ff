namespace AnomalyEngine.Simulation.Attacks;

/// <summary>
/// Account takeover: someone holding a victim's password signs in and secures the account for
/// themselves. Blatant: straight to the login form, in, then settings → email change → security →
/// password change → payout → payout method added, a few seconds per step, from an unusual country.
/// Subtle: a bit of human-paced browsing first, the account overview and orders, then only the email
/// change and the payout method, from a proxy in the victim's own country.
/// </summary>
internal static class AccountTakeoverAttack
{
    public static void Generate(SessionBuilder b, AttackContext a)
    {
        var rng = b.Rng;
        var victim = a.Population.PickVictim(rng);
        b.Attributes = Population.Attacker(rng, a.Subtle, a.Subtle ? victim.Country : null).ToAttributes();
        if (a.Subtle)
        {
            GenerateSubtle(b, a, victim);
            return;
        }

        long Step() => rng.LogNormalMs(a.Gap(2_500), 0.4, 300, 30_000);

        b.View(SiteMap.Login, HumanBehavior.PageLoad(rng));
        b.Wait(rng.LogNormalMs(a.Gap(2_500), 0.4, 300, 30_000));
        if (rng.Chance(0.3))
        {
            // An old password from a leak, then the current one from the phishing kit.
            b.Action(SiteMap.LoginAction, false, HumanBehavior.ActionTime(rng, 220));
            b.Wait(Step());
        }
        b.UserId = victim.UserId;
        b.Action(SiteMap.LoginAction, true, HumanBehavior.ActionTime(rng, 220));
        b.Wait(Step());
        b.View(SiteMap.Settings, HumanBehavior.PageLoad(rng));
        b.Wait(Step());
        b.Action(SiteMap.EmailChange, true, HumanBehavior.ActionTime(rng, 300));
        b.Wait(Step());
        b.View(SiteMap.Security, HumanBehavior.PageLoad(rng));
        b.Wait(Step());
        b.Action(SiteMap.PasswordChange, true, HumanBehavior.ActionTime(rng, 300));
        b.Wait(Step());
        b.View(SiteMap.Payout, HumanBehavior.PageLoad(rng));
        b.Wait(Step());
        var methods = a.Count(rng, 1, 2);
        for (var i = 0; i < methods; i++)
        {
            b.Action(SiteMap.PayoutMethodAdd, true, HumanBehavior.ActionTime(rng, 900));
            b.Wait(Step());
        }
        if (rng.Chance(0.5))
        {
            b.View(SiteMap.PaymentMethods, HumanBehavior.PageLoad(rng));
        }
    }

    private static void GenerateSubtle(SessionBuilder b, AttackContext a, UserProfile victim)
    {
        var rng = b.Rng;
        b.View(SiteMap.Home, HumanBehavior.PageLoad(rng));
        HumanBehavior.DwellOn(b, Page.Home, 0.6);
        var browse = rng.Next(1, 4);
        for (var i = 0; i < browse; i++)
        {
            b.View(SiteMap.ProductPage(SiteMap.PopularProduct(rng)), HumanBehavior.PageLoad(rng));
            HumanBehavior.DwellOn(b, Page.Product, 0.4);
        }
        b.View(SiteMap.Login, HumanBehavior.PageLoad(rng));
        b.Wait(rng.LogNormalMs(8_000, 0.5, 1_500, 60_000));
        b.UserId = victim.UserId;
        b.Action(SiteMap.LoginAction, true, HumanBehavior.ActionTime(rng, 220));
        b.Wait(rng.LogNormalMs(600, 0.4, 100, 5_000));
        b.View(SiteMap.Account, HumanBehavior.PageLoad(rng));
        HumanBehavior.DwellOn(b, Page.Account, 0.6);
        b.View(SiteMap.Orders, HumanBehavior.PageLoad(rng));
        HumanBehavior.DwellOn(b, Page.Orders, 0.6);
        b.View(SiteMap.Settings, HumanBehavior.PageLoad(rng));
        HumanBehavior.DwellOn(b, Page.Settings, 0.6);
        b.Action(SiteMap.EmailChange, true, HumanBehavior.ActionTime(rng, 300));
        b.Wait(rng.LogNormalMs(a.Gap(6_000), 0.5, 1_000, 60_000));
        b.View(SiteMap.Payout, HumanBehavior.PageLoad(rng));
        HumanBehavior.DwellOn(b, Page.Payout, 0.5);
        b.Action(SiteMap.PayoutMethodAdd, true, HumanBehavior.ActionTime(rng, 900));
    }
}
