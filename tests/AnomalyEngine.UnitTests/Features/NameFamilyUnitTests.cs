using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Scoring.Training;
using AnomalyEngine.UnitTests.Scoring;

namespace AnomalyEngine.UnitTests.Features;

/// <summary>
/// How rare a page is counts by its family: a shop's product pages are each rare and together
/// common, an email change is rare on its own. Names without a segment of digits are unchanged.
/// </summary>
public sealed class NameFamilyUnitTests
{
    [Theory]
    [InlineData("/product/10100", "/product/{id}")]
    [InlineData("/orders/7/items/12", "/orders/{id}/items/{id}")]
    [InlineData("/p/1/", "/p/{id}/")]
    [InlineData("42", "{id}")]
    [InlineData("/product/10100x", "/product/10100x")]
    [InlineData("email_change", "email_change")]
    [InlineData("E5", "E5")]
    [InlineData("/", "/")]
    public void A_segment_of_digits_stands_for_any_id(string name, string family)
    {
        Assert.Equal(family, NameFamily.Of(name));
        Assert.Equal(family != name, NameFamily.IsTemplated(name));
    }

    [Fact]
    public void A_rare_product_page_counts_as_common_as_its_family_and_a_rare_action_stays_rare()
    {
        // 400 sessions, each on its own product page; one in 100 changes the email.
        var builder = new SessionBaselinesBuilder(1);
        for (var i = 0; i < 400; i++)
        {
            var id = $"s{i}";
            List<SessionEvent> events =
            [
                new(id, SyntheticSessions.T0, EventKind.View, "/"),
                new(id, SyntheticSessions.T0 + 5_000, EventKind.View, $"/product/{10_000 + i}"),
            ];
            if (i % 100 == 0)
            {
                events.Add(new(id, SyntheticSessions.T0 + 9_000, EventKind.Action, "email_change", true));
            }
            builder.AddSession(events, SessionReplayer.Replay(events));
        }
        var b = builder.Build();

        Assert.Equal(400, b.Families["/product/{id}"]);
        Assert.Equal(400, b.RaritySessions("/product/10007"));
        Assert.Equal(400, b.RaritySessions("/product/99999"));   // never seen, its family was
        Assert.Equal(4, b.RaritySessions("email_change"));
        Assert.Equal(0, b.RaritySessions("/admin/export"));      // never seen, a family of its own
        Assert.Equal(-Math.Log(400.5 / 401), b.Rarity("/product/10007"), 12);
        Assert.Equal(-Math.Log(4.5 / 401), b.Rarity("email_change"), 12);
        Assert.Equal(b.UnseenNameRarity, b.Rarity("/admin/export"), 12);

        var f = new double[FeatureSchema.Count];
        var extractor = new SessionFeatureExtractor(b);
        extractor.Extract(SessionReplayer.Replay([new("p", SyntheticSessions.T0, EventKind.View, "/"), new("p", SyntheticSessions.T0 + 5_000, EventKind.View, "/product/55555")]), f);
        Assert.Equal(0, f[FeatureSchema.NavRareNameSum]);
        extractor.Extract(SessionReplayer.Replay([new("e", SyntheticSessions.T0, EventKind.View, "/"), new("e", SyntheticSessions.T0 + 5_000, EventKind.Action, "email_change", true)]), f);
        Assert.Equal(-Math.Log(4.5 / 401), f[FeatureSchema.NavRareName], 12);
    }
}
