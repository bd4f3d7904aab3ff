namespace AnomalyEngine.Simulation;

/// <summary>
/// The simulated site: a shop with a bank-like account area. Page paths are the <c>name</c> of view
/// events, action names the <c>name</c> of action events. docs/simulator.md draws the map.
/// </summary>
public static class SiteMap
{
    /// <summary>Landing page.</summary>
    public const string Home = "/";
    /// <summary>Search results (after a <see cref="SearchSubmit"/>).</summary>
    public const string Search = "/search";
    /// <summary>Catalog root.</summary>
    public const string Catalog = "/catalog";
    /// <summary>Shopping cart.</summary>
    public const string Cart = "/cart";
    /// <summary>Checkout form (address, card).</summary>
    public const string Checkout = "/checkout";
    /// <summary>Order placed.</summary>
    public const string Confirmation = "/checkout/confirmation";
    /// <summary>Sign-in form.</summary>
    public const string Login = "/login";
    /// <summary>Account overview.</summary>
    public const string Account = "/account";
    /// <summary>Order history.</summary>
    public const string Orders = "/account/orders";
    /// <summary>Profile settings (email).</summary>
    public const string Settings = "/account/settings";
    /// <summary>Password and security.</summary>
    public const string Security = "/account/security";
    /// <summary>Stored cards.</summary>
    public const string PaymentMethods = "/account/payment-methods";
    /// <summary>Payout (bank account) methods: where stolen money leaves.</summary>
    public const string Payout = "/account/payout";
    /// <summary>Help pages.</summary>
    public const string Help = "/help";

    /// <summary>Action: a search query was submitted.</summary>
    public const string SearchSubmit = "search_submit";
    /// <summary>Action: an item was added to the cart.</summary>
    public const string AddToCart = "add_to_cart";
    /// <summary>Action: an item was removed from the cart.</summary>
    public const string RemoveFromCart = "remove_from_cart";
    /// <summary>Action: a sign-in attempt (success = credentials accepted).</summary>
    public const string LoginAction = "login";
    /// <summary>Action: sign-out.</summary>
    public const string Logout = "logout";
    /// <summary>Action: the checkout form was submitted.</summary>
    public const string CheckoutSubmit = "checkout_submit";
    /// <summary>Action: a card payment (success = authorised); carries attribute <c>amount</c>.</summary>
    public const string Payment = "payment";
    /// <summary>Action: password changed.</summary>
    public const string PasswordChange = "password_change";
    /// <summary>Action: account email changed.</summary>
    public const string EmailChange = "email_change";
    /// <summary>Action: a card was stored.</summary>
    public const string PaymentMethodAdd = "payment_method_add";
    /// <summary>Action: a payout bank account was added.</summary>
    public const string PayoutMethodAdd = "payout_method_add";

    /// <summary>Catalog categories; each has a page <c>/catalog/{category}</c>.</summary>
    public static IReadOnlyList<string> Categories { get; } =
        ["electronics", "books", "home", "garden", "toys", "fashion", "sports", "beauty"];

    /// <summary>Category page paths, index-aligned with <see cref="Categories"/>.</summary>
    public static IReadOnlyList<string> CategoryPages { get; } = Categories.Select(c => Catalog + "/" + c).ToArray();

    /// <summary>How many products the catalog holds.</summary>
    public const int ProductCount = 2000;

    /// <summary>First product id; ids run from here to here + <see cref="ProductCount"/> - 1.</summary>
    public const int FirstProductId = 10_000;

    // Paths built once: a simulation emits millions of product views and must not allocate each.
    private static readonly string[] s_productPages = BuildProductPages();

    // Popularity rank → product: a fixed permutation, so the best sellers are not simply the lowest ids.
    private static readonly ZipfSampler s_popularity = new(ProductCount, 1.05);

    private static string[] BuildProductPages()
    {
        var pages = new string[ProductCount];
        for (var i = 0; i < ProductCount; i++)
        {
            pages[i] = "/product/" + (FirstProductId + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return pages;
    }

    /// <summary>Page path of product number <paramref name="index"/> (0-based, catalog order).</summary>
    public static string ProductPage(int index) => s_productPages[index];

    /// <summary>Category index of a product (products are spread over categories round-robin).</summary>
    public static int CategoryOf(int productIndex) => productIndex % Categories.Count;

    /// <summary>A product drawn by popularity (Zipf-skewed), as humans find them.</summary>
    public static int PopularProduct(SimRandom rng) => RankToProduct(s_popularity.Sample(rng));

    /// <summary>A popular product within one category, for browsing a category page.</summary>
    public static int PopularProductIn(SimRandom rng, int category)
    {
        // Rejection keeps the Zipf skew inside the category; 8 categories means ~8 tries on average.
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var p = PopularProduct(rng);
            if (CategoryOf(p) == category)
            {
                return p;
            }
        }
        return category;
    }

    // 7919 is prime and coprime with ProductCount, so this is a permutation of 0..ProductCount-1.
    private static int RankToProduct(int rank) => (int)((rank * 7919L + 1234) % ProductCount);
}
