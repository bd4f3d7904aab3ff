namespace AnomalyEngine.Simulation.Attacks;

/// <summary>
/// Credential stuffing: a tool replays leaked username/password pairs against the login endpoint.
/// Blatant: 15–45 failed logins a second or so apart, hardly any page views, from a hosting range.
/// Subtle: 4–9 attempts tens of seconds apart, each after loading the login page like a person,
/// from a residential proxy. A few percent of pairs work; the session then peeks at the account.
/// </summary>
internal static class CredentialStuffingAttack
{
    public static void Generate(SessionBuilder b, AttackContext a)
    {
        var rng = b.Rng;
        b.Attributes = Population.Attacker(rng, a.Subtle).ToAttributes();
        var attempts = a.Subtle ? a.Count(rng, 4, 9, floor: 3) : a.Count(rng, 15, 45, floor: 5);
        var hitRate = a.Subtle ? 0.05 : 0.02;

        b.View(SiteMap.Login, a.Subtle ? HumanBehavior.PageLoad(rng) : rng.LogNormalMs(60, 0.3, 10, 1_000));
        b.Wait(a.Subtle ? rng.LogNormalMs(6_000, 0.5, 1_500, 60_000) : rng.LogNormalMs(a.Gap(700), 0.35, 100, 5_000));
        for (var i = 0; i < attempts; i++)
        {
            if (i > 0)
            {
                if (a.Subtle)
                {
                    b.Wait(rng.LogNormalMs(a.Gap(9_000), 0.6, 2_000, 180_000));
                    if (rng.Chance(0.25))
                    {
                        b.View(SiteMap.Home, HumanBehavior.PageLoad(rng));
                        b.Wait(rng.LogNormalMs(3_000, 0.6, 500, 60_000));
                    }
                    if (rng.Chance(0.8))
                    {
                        b.View(SiteMap.Login, HumanBehavior.PageLoad(rng));
                        b.Wait(rng.LogNormalMs(5_000, 0.5, 1_000, 60_000));
                    }
                }
                else
                {
                    b.Wait(rng.LogNormalMs(a.Gap(900), 0.35, 100, 10_000));
                    if (rng.Chance(0.08))
                    {
                        // The tool re-fetches the form for a fresh CSRF token now and then.
                        b.View(SiteMap.Login, rng.LogNormalMs(60, 0.3, 10, 1_000));
                        b.Wait(rng.LogNormalMs(a.Gap(300), 0.3, 50, 3_000));
                    }
                }
            }

            // A pair that works ends the session (the tool hands the account on); lists are sorted by
            // freshness, so hits come late rather than on the first pair.
            if (i >= attempts / 2 && rng.Chance(hitRate))
            {
                b.UserId = a.Population.PickVictim(rng).UserId;
                b.Action(SiteMap.LoginAction, true, rng.LogNormalMs(220, 0.4, 20, 5_000));
                b.Wait(rng.LogNormalMs(a.Subtle ? 3_000 : 600, 0.4, 100, 30_000));
                b.View(SiteMap.Account, rng.LogNormalMs(120, 0.4, 10, 3_000));
                return;
            }
            // The account, when the pair names one, is not known to the shop: failed attempts carry no user_id.
            b.Action(SiteMap.LoginAction, false, rng.LogNormalMs(220, 0.4, 20, 5_000));
        }
    }
}
