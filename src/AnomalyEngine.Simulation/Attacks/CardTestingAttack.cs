namespace AnomalyEngine.Simulation.Attacks;

/// <summary>
/// Card testing: a fraudster checks which stolen card numbers work by buying something cheap over and
/// over. Blatant: 10–30 payments of 0.50–2.50 a couple of seconds apart, ~88 % declined. Subtle:
/// 3–6 payments a minute or two apart with checkout page views between them, amounts up to ~9,
/// ~65 % declined.
/// </summary>
internal static class CardTestingAttack
{
    public static void Generate(SessionBuilder b, AttackContext a)
    {
        var rng = b.Rng;
        b.Attributes = Population.Attacker(rng, a.Subtle).ToAttributes();
        var attempts = a.Subtle ? a.Count(rng, 3, 6, floor: 3) : a.Count(rng, 10, 30, floor: 4);
        var successRate = a.Subtle ? 0.35 : 0.12;

        // The cheapest thing in the shop, into the cart, to the checkout.
        var product = rng.Next(0, SiteMap.ProductCount);
        b.View(SiteMap.ProductPage(product), HumanBehavior.PageLoad(rng));
        b.Wait(a.Subtle ? rng.LogNormalMs(8_000, 0.6, 1_000, 120_000) : rng.LogNormalMs(a.Gap(1_200), 0.4, 150, 10_000));
        b.Action(SiteMap.AddToCart, true, HumanBehavior.ActionTime(rng, 150));
        b.Wait(a.Subtle ? rng.LogNormalMs(5_000, 0.6, 800, 60_000) : rng.LogNormalMs(a.Gap(900), 0.4, 150, 10_000));
        b.View(SiteMap.Checkout, HumanBehavior.PageLoad(rng));
        b.Wait(a.Subtle ? rng.LogNormalMs(30_000, 0.5, 5_000, 300_000) : rng.LogNormalMs(a.Gap(2_000), 0.4, 200, 15_000));
        b.Action(SiteMap.CheckoutSubmit, true, HumanBehavior.ActionTime(rng, 300));
        b.Wait(rng.LogNormalMs(600, 0.4, 80, 5_000));

        for (var i = 0; i < attempts; i++)
        {
            if (i > 0)
            {
                if (a.Subtle)
                {
                    b.Wait(rng.LogNormalMs(a.Gap(70_000), 0.5, 15_000, 900_000));
                    b.View(SiteMap.Checkout, HumanBehavior.PageLoad(rng));
                    b.Wait(rng.LogNormalMs(20_000, 0.5, 3_000, 300_000));
                }
                else
                {
                    b.Wait(rng.LogNormalMs(a.Gap(2_200), 0.35, 250, 20_000));
                    if (rng.Chance(0.4))
                    {
                        b.Action(SiteMap.CheckoutSubmit, true, HumanBehavior.ActionTime(rng, 300));
                        b.Wait(rng.LogNormalMs(400, 0.3, 50, 3_000));
                    }
                }
            }
            var amount = a.Subtle ? rng.Uniform(1.0, 9.0) : rng.Uniform(0.5, 2.5);
            b.Payment(amount, rng.Chance(successRate), rng.LogNormalMs(1_500, 0.4, 100, 20_000));
        }
    }
}
