namespace AnomalyEngine.Simulation.Attacks;

/// <summary>
/// Scraper: a crawler copying the catalog (prices, stock). Blatant: a breadth-first crawl — the
/// catalog, every category, then the products of each category in listing order — at a fixed
/// sub-second period with a few percent jitter, fetching HTML only (tiny load times), never touching
/// the cart. Subtle: jittered log-normal gaps of seconds, products drawn uniformly (not by
/// popularity) with category pages in between, still no cart, from a residential proxy.
/// </summary>
internal static class ScraperAttack
{
    public static void Generate(SessionBuilder b, AttackContext a)
    {
        var rng = b.Rng;
        b.Attributes = Population.Attacker(rng, a.Subtle).ToAttributes();
        if (a.Subtle)
        {
            GenerateSubtle(b, a);
            return;
        }

        var pages = a.Count(rng, 40, 120, floor: 12);
        var period = a.Gap(rng.Uniform(500, 1_200));
        var startCategory = rng.Next(0, SiteMap.Categories.Count);
        var emitted = 0;

        void Fetch(string path)
        {
            if (emitted > 0)
            {
                b.Wait((long)(period * rng.Uniform(0.96, 1.04)));
            }
            b.View(path, rng.LogNormalMs(45, 0.25, 5, 500));
            emitted++;
        }

        Fetch(SiteMap.Catalog);
        for (var c = 0; c < SiteMap.Categories.Count && emitted < pages; c++)
        {
            Fetch(SiteMap.CategoryPages[(startCategory + c) % SiteMap.Categories.Count]);
        }
        // Level two of the crawl: products of each category in listing (id) order.
        for (var c = 0; emitted < pages; c++)
        {
            var category = (startCategory + c) % SiteMap.Categories.Count;
            for (var p = category; p < SiteMap.ProductCount && emitted < pages; p += SiteMap.Categories.Count)
            {
                Fetch(SiteMap.ProductPage(p));
            }
        }
    }

    private static void GenerateSubtle(SessionBuilder b, AttackContext a)
    {
        var rng = b.Rng;
        var pages = a.Count(rng, 20, 45, floor: 8);
        var median = a.Gap(rng.Uniform(3_000, 7_000));
        b.View(SiteMap.Home, HumanBehavior.PageLoad(rng));
        for (var i = 1; i < pages; i++)
        {
            b.Wait(rng.LogNormalMs(median, 0.35, 300, 120_000));
            var path = rng.Chance(0.15)
                ? SiteMap.CategoryPages[rng.Next(0, SiteMap.Categories.Count)]
                : SiteMap.ProductPage(rng.Next(0, SiteMap.ProductCount));
            b.View(path, HumanBehavior.PageLoad(rng));
        }
    }
}
