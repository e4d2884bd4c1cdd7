"""An update posted in the admin reaches X, Mastodon and Bluesky through the Celery worker,
each network's posts one thread per event, over HTTP only.

The stack's X, Mastodon and Bluesky are the fakes on loopback (conftest.py,
fake_networks.py): the real tweepy, Mastodon.py and atproto code runs in the worker and
nothing leaves 127.0.0.1.
"""

import os
import time

from tests.smoke.client import (
    EVENT,
    HASHTAG,
    bluesky_post_of,
    mastodon_status_of,
    wait_for_network_posts,
    wait_for_x_post,
)

BLUESKY_CALLS = {
    "com.atproto.server.createSession",
    "com.atproto.server.refreshSession",
    "com.atproto.repo.createRecord",
    "com.atproto.repo.getRecord",
}


def _everywhere(fake_x, fake_mastodon, fake_bluesky, admin, words: str):
    """The post of ``words`` on each network, once the admin shows each one sent."""
    on_x = wait_for_x_post(fake_x, admin, words)
    return (on_x, *wait_for_network_posts(fake_mastodon, fake_bluesky, admin, words))


def _facets(record: dict) -> dict[str, tuple[str, str]]:
    """Each facet's kind: (the text it marks, its link or tag)."""
    text = record["value"]["text"].encode()
    found = {}
    for facet in record["value"]["facets"]:
        (feature,) = facet["features"]
        marked = text[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode()
        found[feature["$type"].rsplit("#", 1)[-1]] = (
            marked,
            feature.get("uri", feature.get("tag")),
        )
    return found


def test_updates_reach_x_mastodon_and_bluesky_through_the_worker_each_a_thread(
    stack, fake_x, fake_mastodon, fake_bluesky, admin, words
):
    link = f"{stack.url}{EVENT}"
    tail = f"{link} {HASHTAG}"
    admin.post_update(words)
    on_x, status, record = _everywhere(fake_x, fake_mastodon, fake_bluesky, admin, words)

    # The update's words, the link to the event and its hashtag on each network.
    assert words in on_x["text"]
    assert on_x["text"].endswith(tail)
    assert words in status["status"]
    assert status["status"].endswith(tail)
    assert status["visibility"] == "public"
    assert status["idempotency_key"]  # sent with the token the fake requires (else a 401)
    post = record["value"]
    assert words in post["text"]
    assert post["text"].endswith(tail)
    assert _facets(record) == {"link": (link, link), "tag": (HASHTAG, HASHTAG.lstrip("#"))}
    assert post["embed"]["external"]["uri"] == link

    # The event's next update replies to it on each network.
    follow_up = f"Smoke follow-up {os.urandom(3).hex()}: the data is being copied."
    admin.post_update(follow_up)
    next_x, next_status, next_record = _everywhere(
        fake_x, fake_mastodon, fake_bluesky, admin, follow_up
    )
    assert next_x["reply"]["in_reply_to_tweet_id"] == on_x["id"]
    assert next_status["in_reply_to_id"] == status["id"]
    assert next_status["idempotency_key"] != status["idempotency_key"]
    parent = {"uri": record["uri"], "cid": record["cid"]}
    root = _ref(post["reply"]["root"]) if "reply" in post else parent  # earlier tests' thread
    reply = next_record["value"]["reply"]
    assert (_ref(reply["parent"]), _ref(reply["root"])) == (parent, root)

    time.sleep(5)  # a sweep or two more: nothing goes out twice
    for text in (words, follow_up):
        assert len([p for p in fake_x.received() if text in p["text"]]) == 1
        assert mastodon_status_of(fake_mastodon, text)
        assert bluesky_post_of(fake_bluesky, text)
    # Only the calls each network's library was meant to make, all to loopback.
    assert fake_mastodon.unexpected == []
    assert fake_bluesky.unexpected == []
    assert set(fake_bluesky.calls) <= BLUESKY_CALLS


def _ref(strong_ref: dict) -> dict:
    return {"uri": strong_ref["uri"], "cid": strong_ref["cid"]}
