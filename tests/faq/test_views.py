"""The FAQ page: sections in order, numbered impact entries, the finder, the team, comments."""

import re

import pytest

from tests.factories import (
    CommentFactory,
    FAQFactory,
    ImpactEntryFactory,
    SectionFactory,
    ServiceFactory,
)

FAQ_PAGE = "/faq/dotmailer-database-upgrade-2013/"


def _entry_labels(html: str) -> list[str]:
    return re.findall(r'<span class="impact__num">([\d.]+)</span>', html)


def _finder_count(html: str) -> str:
    """The finder's sentence on what it shows, as words."""
    found = re.search(r'<p class="finder__count"[^>]*>(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", found[1]).split())


def _level_links(html: str) -> dict[str, tuple[int, str]]:
    """The finder's level chips: level -> (count, link)."""
    chips = re.findall(
        r'<a class="level level--\w+" href="([^"]*)" data-level="(\w+)">.*?'
        r"<span data-count>(\d+)</span>",
        html,
    )
    return {level: (int(count), href.replace("&amp;", "&")) for href, level, count in chips}


def test_faq_page_renders_all_numbered_entries_in_order_with_badges(demo, client):
    page = client.get(FAQ_PAGE).content.decode()
    expected = [f"1.{n}" for n in range(1, 9)] + [f"2.{n}" for n in range(1, 18)]
    assert _entry_labels(page) == [*expected, "3.1", "3.2", "3.3", "3.4"]
    assert page.count('class="impact impact--unavailable"') == 10
    assert 'id="entry-2-2"' in page
    assert "Tracked links show a maintenance error; untracked links still work." in page


def test_faq_page_sections_come_in_the_seeds_order(demo, client):
    page = client.get(FAQ_PAGE).content.decode()
    headings = [
        "What is happening?",
        "Why do I need to know?",
        "What do I need to do?",
        "How will my access to services be affected?",
        "How will my contacts and campaigns be affected?",
        "What will be the effect on reporting data?",
        "What differences will I see?",
        "do you really mean it?",
        "What are the plans if something doesn’t go as expected?",
        "How can I find out more information?",
        "Who will be doing this upgrade work?",
        "Comments (2)",
    ]
    shown = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page)]
    shown = [h for h in shown if any(wanted in h for wanted in headings)]
    assert len(shown) == len(headings)
    assert all(wanted in h for wanted, h in zip(headings, shown, strict=True))


def test_faq_page_shows_the_checklist_team_and_official_reply(demo, client):
    page = client.get(FAQ_PAGE).content.decode()
    assert 'class="faq-section faq-section--checklist"' in page
    assert "<li>Please read this FAQ thoroughly.</li>" in page
    assert page.count('class="card member"') == 5
    assert "Vic Girling" in page
    assert "TSQL is beautiful" in page
    assert page.count("Official response") == 1
    official = page[page.index("comment--official") :]
    assert "Stoo" in official[:400]
    assert "Spektrix" in page


def test_faq_page_shows_the_window_in_both_zones(demo, client):
    page = client.get(FAQ_PAGE).content.decode()
    assert "Saturday 26 October 2013, 11:00–15:00 UK time (10:00–14:00 UTC)" in page
    assert "Plan for 4 hours." in page


def test_choosing_a_service_shows_only_what_affects_it(demo, client):
    page = client.get(FAQ_PAGE, {"service": "dotsurvey"}).content.decode()
    assert _entry_labels(page) == ["1.3", "2.8"]
    assert _finder_count(page) == "Showing 2 of 29 entries."
    assert '<option value="dotsurvey" selected>' in page


def test_the_levels_counts_follow_the_chosen_service_and_words(demo, client):
    everything = _level_links(client.get(FAQ_PAGE).content.decode())
    assert sum(count for count, _ in everything.values()) == 29
    assert everything["delayed"] == (5, "?level=delayed#impact")
    survey = _level_links(client.get(FAQ_PAGE, {"service": "dotsurvey"}).content.decode())
    assert sum(count for count, _ in survey.values()) == 2
    for level, (count, href) in survey.items():
        assert href == f"?service=dotsurvey&level={level}#impact"
        shown = client.get(FAQ_PAGE + href.split("#")[0]).content.decode()
        assert len(_entry_labels(shown)) == count


def test_words_are_found_whatever_their_case_accents_or_quotes(demo, client):
    plain = _entry_labels(client.get(FAQ_PAGE, {"q": "links"}).content.decode())
    assert len(plain) == 8
    for asked in ("“links”", "‘LINKS’", '"Links"', "línks", "« links »"):
        assert _entry_labels(client.get(FAQ_PAGE, {"q": asked}).content.decode()) == plain, asked


def test_the_service_menu_follows_the_status_pages_groups(demo, client):
    page = client.get(FAQ_PAGE).content.decode()
    menu = re.search(r'<select name="service">(.*?)</select>', page, re.S)[1]
    groups = re.findall(r'<optgroup label="([^"]+)">', menu)
    services = re.findall(r'<option value="([-\w]+)"', menu)
    listed = client.get("/services/").content.decode()
    in_page_order = list(re.findall(r'href="/services/([-\w]+)/"', listed))
    assert services == [slug for slug in in_page_order if slug in services]
    assert groups
    assert len(groups) == len(set(groups))


def test_a_service_the_faq_has_no_entry_about_matches_nothing(demo, client):
    for slug in ("no-such-service", "a" * 100):
        page = client.get(FAQ_PAGE, {"service": slug}).content.decode()
        assert _entry_labels(page) == []
        assert _finder_count(page) == "No entries match."
        assert '<p class="finder__reset"><a href="?#impact">Show all entries</a></p>' in page


def test_nothing_matching_says_so_with_a_way_back(demo, client):
    page = client.get(FAQ_PAGE, {"q": "quantum teleportation"}).content.decode()
    assert _entry_labels(page) == []
    assert _finder_count(page) == "No entries match."
    assert '<p class="finder__reset"><a href="?#impact">Show all entries</a></p>' in page


def test_control_characters_in_the_words_are_not_echoed(demo, client):
    page = client.get(FAQ_PAGE, {"q": "links\x1b[31m\x00\u202eevil\x07"}).content.decode()
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]", page)
    assert 'value="links [31m evil"' in page


def test_choosing_a_level_or_words_narrows_the_entries(demo, client):
    delayed = client.get(FAQ_PAGE, {"level": "delayed"}).content.decode()
    assert _entry_labels(delayed) == ["2.7", "2.10", "2.11", "2.12", "2.17"]
    words = client.get(FAQ_PAGE, {"q": "scheduled SENDS"}).content.decode()
    assert _entry_labels(words) == ["2.11", "2.12"]
    both = client.get(FAQ_PAGE, {"service": "dotmailer-api", "level": "unavailable"})
    assert _entry_labels(both.content.decode()) == ["1.2"]


def test_unknown_filter_values_are_ignored_not_errors(demo, client):
    response = client.get(FAQ_PAGE, {"service": "nope", "level": "<script>", "q": "x" * 1000})
    assert response.status_code == 200
    assert "&lt;script&gt;" not in response.content.decode()
    assert _entry_labels(response.content.decode()) == []


@pytest.mark.django_db
def test_faq_with_an_entry_about_a_service_uses_the_service_name(client):
    entry = ImpactEntryFactory(subject="", service=ServiceFactory(name="Billing"))
    page = client.get(entry.faq.get_absolute_url()).content.decode()
    assert '<h3 class="impact__subject">Billing</h3>' in page


@pytest.mark.django_db
def test_a_draft_sections_entries_are_in_no_count_menu_or_filter(client):
    public = SectionFactory(heading="What stops?")
    sending = ServiceFactory(name="Sending", slug="sending")
    ImpactEntryFactory.create_batch(2, section=public, service=sending, level="unavailable")
    draft = SectionFactory(faq=public.faq, is_draft=True)
    billing = ServiceFactory(name="Billing", slug="billing")
    ImpactEntryFactory(section=draft, service=billing, level="delayed", summary="Invoices wait.")
    url = public.faq.get_absolute_url()
    page = client.get(url).content.decode()
    assert _finder_count(page) == "All 2 entries are shown below, numbered as in the FAQ."
    assert list(_level_links(page)) == ["unavailable"]
    assert '<option value="sending">Sending</option>' in page
    assert "Billing" not in page
    assert "Invoices wait." not in page
    delayed = client.get(url, {"level": "delayed"}).content.decode()
    assert _finder_count(delayed) == "No entries match."
    assert "Invoices wait." not in delayed


@pytest.mark.django_db
def test_comment_bodies_are_plain_text(client):
    comment = CommentFactory(body="<b>bold</b>\n\nsecond <script>alert(1)</script>")
    page = client.get(comment.faq.get_absolute_url()).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script>alert(1)</script>" not in page


@pytest.mark.django_db
def test_unnumbered_prose_section_renders_markdown(client):
    faq = FAQFactory()
    SectionFactory(faq=faq, number=None, kind="prose", heading="Why?", body="**Because.**")
    page = client.get(faq.get_absolute_url()).content.decode()
    assert "<strong>Because.</strong>" in page
