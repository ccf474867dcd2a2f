"""The list pages' cheaper reads (issue 15, scale-reads) give what the plain reads give: the top reasons built for
the top k only equal the folded full list cut to k, and the risk page's one-pass read (ranking, band counts,
model) equals the separate selectors, under every filter."""

import pytest

from predictions import selectors
from predictions.explain import contributions_for, fold, top_folded
from predictions.models import CurrentScoreSet, Prediction


def test_top_reasons_for_the_top_k_equal_the_folded_list_cut_to_k(trained, recruiter, hr_admin):
    state = CurrentScoreSet.objects.get(model_type="retention")
    preds = list(Prediction.objects.filter(model=trained, as_of=state.as_of, technician__isnull=False)[:80])
    assert preds
    folded_any = False
    for user in (recruiter, hr_admin):
        for p in preds:
            full = fold(user, contributions_for(trained.terms, p.contribution_list(), trained.features,
                                                p.value_list(trained)))  # fmt: skip
            folded_any |= any(c["feature"] == "restricted" for c in full)
            for k in (1, 3, 5, len(trained.terms) + 1):
                assert top_folded(user, trained, p, k) == full[:k]
    assert folded_any  # the recruiter's lists did fold hidden terms: the restricted line was compared too


def test_the_risk_page_read_equals_the_separate_reads(trained, recruiter):
    for filters in ({}, {"band": "high"}, {"band": "low", "trade": "hvac"}, {"region": "west"}, {"region": "nowhere"}):
        place = {k: v for k, v in filters.items() if k != "band"}
        try:
            expected = selectors.risk_ranking(user=recruiter, limit=25, offset=25, **filters)
        except ValueError as exc:  # a region the world has not: the same error from both
            with pytest.raises(type(exc)):
                selectors.risk_page(user=recruiter, limit=25, offset=25, **filters)
            continue
        page = selectors.risk_page(user=recruiter, limit=25, offset=25, **filters)
        assert page["ranking"]["items"] == expected["items"], filters
        assert page["ranking"]["count"] == expected["count"], filters
        assert page["counts"] == selectors.band_counts(**place), filters
        assert page["model"].pk == selectors.active_model(model_type="retention").pk


def test_a_page_decoded_at_once_gives_each_rows_top_reasons(trained, recruiter, hr_admin):
    """The ranking decodes a page's explanations in one codebook pass: the same reasons as row by row."""
    state = CurrentScoreSet.objects.get(model_type="retention")
    preds = list(Prediction.objects.filter(model=trained, as_of=state.as_of, technician__isnull=False)[:40])
    assert len(preds) > 1
    for user in (recruiter, hr_admin):
        assert selectors._tops(user, trained, preds) == [top_folded(user, trained, p) for p in preds]
    assert selectors._tops(recruiter, trained, []) == []


# the reasons cell as the ranking tables rendered it with a template loop (before the ``reasons`` filter)
_LOOP = {
    "risk": (
        '{% for c in cs %}<span class="reason {% if c.contribution > 0 %}up{% else %}down{% endif %}">{{ c.label }} '
        '{% if c.contribution > 0 %}↑{% else %}↓{% endif %}<span class="sr-only">{% if c.contribution > 0 %} raises the '
        "risk{% else %} lowers the risk{% endif %}</span></span>{% if not forloop.last %}, {% endif %}{% endfor %}"
    ),
    "staying": (
        '{% for t in cs %}<span class="reason {% if t.contribution > 0 %}good{% else %}bad{% endif %}">{{ t.label }} '
        '{% if t.contribution > 0 %}↑{% else %}↓{% endif %}<span class="sr-only">{% if t.contribution > 0 %} raises the '
        "chance of staying{% else %} lowers the chance of staying{% endif %}</span></span>{% if not forloop.last %}, "
        "{% endif %}{% endfor %}"
    ),
}


@pytest.mark.parametrize("kind", ["risk", "staying"])
def test_the_reasons_filter_renders_what_the_template_loop_rendered(kind):
    from django.template import Context, Template

    cases = [
        [],
        [{"feature": "overtime_hours", "label": "Overtime", "contribution": 0.4}],
        [
            {"feature": "a", "label": 'Pay <vs> district & "median"', "contribution": -0.2},
            {"feature": "b", "label": "Tenure", "contribution": 0.0},
            {"feature": "restricted", "label": "Other (restricted) factors", "value": None, "contribution": 1e-9},
        ],
    ]
    loop = Template(_LOOP[kind])
    new = Template('{% load predictions_format %}{{ cs|reasons:"' + kind + '" }}')
    for cs in cases:
        assert new.render(Context({"cs": cs})) == loop.render(Context({"cs": cs}))
    assert "&lt;vs&gt;" in new.render(Context({"cs": cases[2]}))  # labels escaped, as {{ c.label }} was
