"""Offline policy answers quote documents as plain text, never raw markdown and never cut mid-word."""

from assistant.planner import plain_excerpt


def test_markdown_is_rendered_to_plain_text_and_cut_at_a_word_boundary():
    text = "# Overtime policy\n\n**Overtime** above _10 hours_ needs [approval](http://x).\n- rebalance routes first\n"
    assert plain_excerpt(text, 500) == "Overtime policy Overtime above 10 hours needs approval. rebalance routes first"
    long = "alpha bravo charlie delta echo foxtrot " * 20
    cut = plain_excerpt(long, 50)
    assert cut.endswith("…") and len(cut) <= 51
    words = set(long.split())
    assert all(w in words for w in cut[:-1].split())  # every word whole
