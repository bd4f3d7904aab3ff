namespace AnomalyEngine.Simulation;

/// <summary>Page states of the human navigation model (docs/simulator.md draws the graph).</summary>
internal enum Page
{
    Exit,
    Home,
    Search,
    Category,
    Product,
    Cart,
    Checkout,
    Login,
    Account,
    Orders,
    Settings,
    Security,
    PaymentMethods,
    Payout,
    Help,
}

/// <summary>Who is browsing: a registered user (maybe already signed in) or a guest.</summary>
internal sealed class HumanContext
{
    public UserProfile? User { get; init; }

    /// <summary>Signed in (user_id known) — from the start for a remembered login, or after a login.</summary>
    public bool SignedIn { get; set; }

    /// <summary>Multiplies every exit weight: below 1 an engaged visitor, above 1 one about to leave.</summary>
    public double ExitFactor { get; init; } = 1;

    /// <summary>Most events this session may reach.</summary>
    public int MaxEvents { get; init; } = 60;

    public int CartItems { get; set; }
    public double CartValue { get; set; }
    public int Category { get; set; }
    public int Product { get; set; } = -1;

    /// <summary>Where to continue after a login the visitor was sent to.</summary>
    public Page ReturnTo { get; set; } = Page.Exit;
}

/// <summary>
/// The human model: a Markov walk over <see cref="Page"/> with skewed transition weights, log-normal
/// dwell times per page, occasional honest failures (a mistyped password, a declined card) and
/// per-session engagement. Pure: all randomness comes from the session's <see cref="SimRandom"/>.
/// </summary>
internal static class HumanBehavior
{
    /// <summary>Entry page weights: home, product (from search engines and ads), category, search, login, account.</summary>
    public static Page Entry(SimRandom rng, HumanContext ctx)
    {
        ReadOnlySpan<double> w =
        [
            38, 30, 14, 6,
            ctx.User is not null && !ctx.SignedIn ? 10 : 0,
            ctx.SignedIn ? 6 : 0,
        ];
        return rng.Pick(w) switch
        {
            0 => Page.Home,
            1 => Page.Product,
            2 => Page.Category,
            3 => Page.Search,
            4 => Page.Login,
            _ => Page.Account,
        };
    }

    // A checkout visit emits the most events: view, failed and good submit, two payments, confirmation.
    private const int MaxEventsPerVisit = 6;

    /// <summary>Walks from <paramref name="page"/> until the visitor leaves or another visit could pass <see cref="HumanContext.MaxEvents"/>.</summary>
    public static void Walk(SessionBuilder b, HumanContext ctx, Page page)
    {
        while (page != Page.Exit && (b.Count == 0 || b.Count + MaxEventsPerVisit <= ctx.MaxEvents))
        {
            page = Visit(b, ctx, page);
        }
    }

    /// <summary>Median dwell (ms) and log-sigma per page: product pages are read, the home page skimmed.</summary>
    private static (double Median, double Sigma) Dwell(Page page) => page switch
    {
        Page.Home => (7_000, 0.9),
        Page.Search => (11_000, 0.9),
        Page.Category => (14_000, 0.9),
        Page.Product => (32_000, 1.0),
        Page.Cart => (18_000, 0.8),
        Page.Checkout => (55_000, 0.6),
        Page.Login => (9_000, 0.6),
        Page.Account => (12_000, 0.8),
        Page.Orders => (20_000, 0.9),
        Page.Settings => (25_000, 0.8),
        Page.Security => (30_000, 0.7),
        Page.PaymentMethods => (35_000, 0.7),
        Page.Payout => (30_000, 0.8),
        _ => (40_000, 1.0),
    };

    /// <summary>Waits a human dwell on <paramref name="page"/>: seconds to minutes, heavy-tailed, capped at 30 minutes.</summary>
    public static void DwellOn(SessionBuilder b, Page page, double fraction = 1.0)
    {
        var (median, sigma) = Dwell(page);
        b.Wait((long)(b.Rng.LogNormalMs(median, sigma, 800, 30 * 60_000) * fraction));
    }

    /// <summary>Browser page load time when the producer measures it (three views in four).</summary>
    public static long? PageLoad(SimRandom rng) => rng.Chance(0.75) ? rng.LogNormalMs(450, 0.6, 60, 20_000) : null;

    /// <summary>Server time of an action.</summary>
    public static long? ActionTime(SimRandom rng, double medianMs) => rng.Chance(0.8) ? rng.LogNormalMs(medianMs, 0.5, 20, 30_000) : null;

    private static Page Visit(SessionBuilder b, HumanContext ctx, Page page)
    {
        var rng = b.Rng;
        switch (page)
        {
            case Page.Home:
                b.View(SiteMap.Home, PageLoad(rng));
                DwellOn(b, page);
                return Next(rng, ctx, [(Page.Search, 22), (Page.Category, 26), (Page.Product, 20), (Page.Login, SignInWeight(ctx, 8)),
                    (Page.Account, ctx.SignedIn ? 6 : 0), (Page.Cart, ctx.CartItems > 0 ? 8 : 2), (Page.Help, 2), (Page.Exit, 14)]);

            case Page.Search:
                // Typing the query, then the results page; a visitor arriving from a shared results
                // link lands on the page directly (and the session's first event is its start).
                if (b.Count > 0)
                {
                    b.Wait(rng.LogNormalMs(4_000, 0.6, 700, 60_000));
                    b.Action(SiteMap.SearchSubmit, true, ActionTime(rng, 180));
                    b.Wait(rng.LogNormalMs(350, 0.5, 50, 5_000));
                }
                b.View(SiteMap.Search, PageLoad(rng));
                DwellOn(b, page);
                ctx.Category = rng.Next(0, SiteMap.Categories.Count);
                return Next(rng, ctx, [(Page.Product, 58), (Page.Search, 14), (Page.Category, 8), (Page.Home, 3), (Page.Exit, 17)]);

            case Page.Category:
                ctx.Category = rng.Next(0, SiteMap.Categories.Count);
                b.View(rng.Chance(0.15) ? SiteMap.Catalog : SiteMap.CategoryPages[ctx.Category], PageLoad(rng));
                DwellOn(b, page);
                return Next(rng, ctx, [(Page.Product, 60), (Page.Category, 13), (Page.Search, 8), (Page.Home, 4), (Page.Cart, ctx.CartItems > 0 ? 4 : 0), (Page.Exit, 13)]);

            case Page.Product:
                return VisitProduct(b, ctx);

            case Page.Cart:
                b.View(SiteMap.Cart, PageLoad(rng));
                DwellOn(b, page, 0.6);
                if (ctx.CartItems > 1 && rng.Chance(0.1))
                {
                    b.Action(SiteMap.RemoveFromCart, true, ActionTime(rng, 120));
                    ctx.CartItems--;
                    ctx.CartValue *= 0.6;
                    DwellOn(b, page, 0.4);
                }
                return Next(rng, ctx, [(Page.Checkout, ctx.CartItems > 0 ? 48 : 0), (Page.Product, 14), (Page.Category, 9), (Page.Home, 4), (Page.Exit, 25)]);

            case Page.Checkout:
                return VisitCheckout(b, ctx);

            case Page.Login:
                return VisitLogin(b, ctx);

            case Page.Account:
                b.View(SiteMap.Account, PageLoad(rng));
                DwellOn(b, page);
                return Next(rng, ctx, [(Page.Orders, 34), (Page.Settings, 9), (Page.Security, 4), (Page.PaymentMethods, 7), (Page.Payout, 1.5),
                    (Page.Home, 10), (Page.Category, 10), (Page.Help, 3), (Page.Exit, 20)]);

            case Page.Orders:
                b.View(SiteMap.Orders, PageLoad(rng));
                DwellOn(b, page);
                return Next(rng, ctx, [(Page.Account, 20), (Page.Product, 22), (Page.Help, 8), (Page.Home, 10), (Page.Exit, 35)]);

            case Page.Settings:
                b.View(SiteMap.Settings, PageLoad(rng));
                DwellOn(b, page, 0.7);
                if (rng.Chance(0.05))
                {
                    b.Action(SiteMap.EmailChange, rng.Chance(0.95), ActionTime(rng, 300));
                    DwellOn(b, page, 0.3);
                }
                return Next(rng, ctx, [(Page.Account, 35), (Page.Security, 8), (Page.Home, 10), (Page.Exit, 45)]);

            case Page.Security:
                b.View(SiteMap.Security, PageLoad(rng));
                DwellOn(b, page, 0.7);
                if (rng.Chance(0.25))
                {
                    // A new password that breaks the policy is refused, then a stronger one accepted.
                    if (rng.Chance(0.2))
                    {
                        b.Action(SiteMap.PasswordChange, false, ActionTime(rng, 250));
                        b.Wait(rng.LogNormalMs(12_000, 0.5, 2_000, 120_000));
                    }
                    b.Action(SiteMap.PasswordChange, true, ActionTime(rng, 300));
                    DwellOn(b, page, 0.3);
                }
                return Next(rng, ctx, [(Page.Account, 40), (Page.Home, 10), (Page.Exit, 50)]);

            case Page.PaymentMethods:
                b.View(SiteMap.PaymentMethods, PageLoad(rng));
                DwellOn(b, page, 0.7);
                if (rng.Chance(0.25))
                {
                    b.Action(SiteMap.PaymentMethodAdd, rng.Chance(0.93), ActionTime(rng, 900));
                    DwellOn(b, page, 0.3);
                }
                return Next(rng, ctx, [(Page.Account, 40), (Page.Cart, ctx.CartItems > 0 ? 10 : 0), (Page.Home, 8), (Page.Exit, 45)]);

            case Page.Payout:
                // Marketplace sellers set up payouts; rare among shoppers, common among fraudsters.
                b.View(SiteMap.Payout, PageLoad(rng));
                DwellOn(b, page, 0.7);
                if (rng.Chance(0.12))
                {
                    b.Action(SiteMap.PayoutMethodAdd, rng.Chance(0.9), ActionTime(rng, 900));
                    DwellOn(b, page, 0.3);
                }
                return Next(rng, ctx, [(Page.Account, 45), (Page.Exit, 55)]);

            default:
                b.View(SiteMap.Help, PageLoad(rng));
                DwellOn(b, Page.Help);
                return Next(rng, ctx, [(Page.Home, 25), (Page.Account, ctx.SignedIn ? 15 : 0), (Page.Orders, ctx.SignedIn ? 10 : 0), (Page.Exit, 50)]);
        }
    }

    private static Page VisitProduct(SessionBuilder b, HumanContext ctx)
    {
        var rng = b.Rng;
        // From a category or a related-products strip the product stays in the category; otherwise anything popular.
        ctx.Product = ctx.Product >= 0 && rng.Chance(0.7)
            ? SiteMap.PopularProductIn(rng, ctx.Category)
            : SiteMap.PopularProduct(rng);
        ctx.Category = SiteMap.CategoryOf(ctx.Product);
        b.View(SiteMap.ProductPage(ctx.Product), PageLoad(rng));
        if (rng.Chance(0.17))
        {
            DwellOn(b, Page.Product, 0.7);
            b.Action(SiteMap.AddToCart, true, ActionTime(rng, 150));
            ctx.CartItems++;
            ctx.CartValue += rng.LogNormal(35, 0.8);
            b.Wait(rng.LogNormalMs(1_500, 0.6, 200, 30_000));
            return Next(rng, ctx, [(Page.Cart, 45), (Page.Product, 25), (Page.Category, 10), (Page.Search, 8), (Page.Exit, 12)]);
        }
        DwellOn(b, Page.Product);
        return Next(rng, ctx, [(Page.Product, 27), (Page.Category, 15), (Page.Search, 12), (Page.Cart, ctx.CartItems > 0 ? 6 : 1),
            (Page.Home, 3), (Page.Exit, 24)]);
    }

    private static Page VisitCheckout(SessionBuilder b, HumanContext ctx)
    {
        var rng = b.Rng;
        if (!ctx.SignedIn && ctx.User is not null && rng.Chance(0.8))
        {
            ctx.ReturnTo = Page.Checkout;
            return Page.Login;
        }
        b.View(SiteMap.Checkout, PageLoad(rng));
        DwellOn(b, Page.Checkout);
        if (rng.Chance(0.04))
        {
            // A missing field: the form comes back with an error.
            b.Action(SiteMap.CheckoutSubmit, false, ActionTime(rng, 250));
            b.Wait(rng.LogNormalMs(15_000, 0.6, 2_000, 180_000));
        }
        b.Action(SiteMap.CheckoutSubmit, true, ActionTime(rng, 300));
        b.Wait(rng.LogNormalMs(600, 0.4, 100, 5_000));
        var amount = Math.Max(1.5, ctx.CartValue);
        var paid = rng.Chance(0.92);
        b.Payment(amount, paid, ActionTime(rng, 1_800));
        if (!paid)
        {
            if (!rng.Chance(0.65))
            {
                // Declined and gave up.
                DwellOn(b, Page.Checkout, 0.5);
                return Next(rng, ctx, [(Page.Cart, 20), (Page.Exit, 80)]);
            }
            // Fetches another card and tries again.
            b.Wait(rng.LogNormalMs(40_000, 0.6, 8_000, 600_000));
            paid = rng.Chance(0.8);
            b.Payment(amount, paid, ActionTime(rng, 1_800));
            if (!paid)
            {
                DwellOn(b, Page.Checkout, 0.5);
                return Page.Exit;
            }
        }
        b.Wait(rng.LogNormalMs(400, 0.4, 80, 5_000));
        b.View(SiteMap.Confirmation, PageLoad(rng));
        ctx.CartItems = 0;
        ctx.CartValue = 0;
        DwellOn(b, Page.Home);
        return Next(rng, ctx, [(Page.Orders, ctx.SignedIn ? 15 : 0), (Page.Home, 15), (Page.Exit, 70)]);
    }

    private static Page VisitLogin(SessionBuilder b, HumanContext ctx)
    {
        var rng = b.Rng;
        b.View(SiteMap.Login, PageLoad(rng));
        b.Wait(rng.LogNormalMs(8_000, 0.6, 1_500, 120_000));
        if (ctx.User is null)
        {
            // A guest with no account looks at the form and leaves it.
            return Next(rng, ctx, [(Page.Home, 40), (Page.Exit, 60)]);
        }
        // Honest failures: a mistyped password, rarely twice.
        var failures = rng.Chance(0.08) ? (rng.Chance(0.2) ? 2 : 1) : 0;
        for (var i = 0; i < failures; i++)
        {
            b.Action(SiteMap.LoginAction, false, ActionTime(rng, 220));
            b.Wait(rng.LogNormalMs(7_000, 0.5, 1_500, 90_000));
        }
        if (failures == 2 && rng.Chance(0.3))
        {
            return Page.Exit;
        }
        b.UserId = ctx.User.UserId;
        ctx.SignedIn = true;
        b.Action(SiteMap.LoginAction, true, ActionTime(rng, 220));
        b.Wait(rng.LogNormalMs(500, 0.4, 100, 5_000));
        if (ctx.ReturnTo != Page.Exit)
        {
            var back = ctx.ReturnTo;
            ctx.ReturnTo = Page.Exit;
            return back;
        }
        return Next(rng, ctx, [(Page.Account, 40), (Page.Home, 35), (Page.Orders, 10), (Page.Cart, ctx.CartItems > 0 ? 10 : 0)]);
    }

    private static double SignInWeight(HumanContext ctx, double weight) => ctx.User is not null && !ctx.SignedIn ? weight : 0;

    private static readonly Page[] s_accountArea = [Page.Account, Page.Orders, Page.Settings, Page.Security, Page.PaymentMethods, Page.Payout];

    /// <summary>Picks the next page; exits are scaled by engagement, the account area needs a login first.</summary>
    private static Page Next(SimRandom rng, HumanContext ctx, ReadOnlySpan<(Page Page, double Weight)> options)
    {
        Span<double> weights = stackalloc double[options.Length];
        for (var i = 0; i < options.Length; i++)
        {
            weights[i] = options[i].Page == Page.Exit ? options[i].Weight * ctx.ExitFactor : options[i].Weight;
        }
        var next = options[rng.Pick(weights)].Page;
        if (!ctx.SignedIn && Array.IndexOf(s_accountArea, next) >= 0)
        {
            if (ctx.User is null)
            {
                return Page.Home;
            }
            ctx.ReturnTo = next;
            return Page.Login;
        }
        return next;
    }
}
