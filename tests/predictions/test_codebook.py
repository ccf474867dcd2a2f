"""Stored explanations are one code per term into the model's codebook, and decode to exactly what the
model's eval_terms computes (bit for bit); rows stored as float64 before codes still read back."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from predictions import codebook
from predictions.models import ContributionCodebook, Prediction, TrainedModel
from predictions.scoring import decode_values, load_fitted, stored_contributions
from predictions.selectors import technician_risk


def test_stored_codes_decode_to_the_models_eval_terms_exactly(trained):
    model = TrainedModel.objects.get(pk=trained.pk)
    assert ContributionCodebook.objects.filter(model=model).exists(), "scoring gives an EBM version its codebook"
    nt, nf = len(model.terms), len(model.features)
    preds = list(Prediction.objects.filter(model=model, technician__isnull=False).order_by("technician_id"))
    assert len(preds) > 50
    assert {len(bytes(p.contributions)) for p in preds} == {nt}  # one byte per term, not eight
    stored = codebook.decode_rows(model, [p.contributions for p in preds])

    fitted = load_fitted(model)
    values = np.frombuffer(b"".join(bytes(p.feature_values) for p in preds), dtype="<f8").reshape(len(preds), nf)
    X = decode_values(fitted, values)
    expected = np.asarray(fitted.estimator.eval_terms(fitted.prepare(X)), dtype=float)
    assert stored.shape == expected.shape and np.array_equal(stored, expected)
    logits = np.asarray([p.logit for p in preds])
    assert np.array_equal(np.asarray([p.intercept for p in preds]) + expected.sum(axis=1), logits)
    assert preds[0].contribution_list(model) == expected[0].tolist()


def test_a_value_outside_the_codebook_is_stored_as_float64_and_old_rows_still_read(trained, hr_admin):
    model = TrainedModel.objects.get(pk=trained.pk)
    book = model.codebook()
    fitted = load_fitted(model)
    X = decode_values(fitted, np.frombuffer(bytes(Prediction.objects.filter(model=model).first().feature_values),
                                            dtype="<f8").reshape(1, -1))  # fmt: skip
    exp = fitted.explain(X)
    codes = stored_contributions(model, exp)
    assert codes.dtype == np.uint8 and np.array_equal(book.decode(codes), exp.contributions)
    exp.contributions = exp.contributions + 1e-12  # not a value of any table: the write falls back, exact
    assert stored_contributions(model, exp).dtype == np.float64

    # a row written before codes (float64) reads back through the same path as the coded rows
    p = Prediction.objects.filter(model=model, technician__isnull=False).first()
    before = technician_risk(user=hr_admin, employee_id=p.technician.employee_id)
    exact = book.decode(np.frombuffer(bytes(p.contributions), dtype=np.uint8).reshape(1, -1))[0]
    Prediction.objects.filter(pk=p.pk).update(contributions=exact.astype("<f8").tobytes())
    p.refresh_from_db()
    assert len(bytes(p.contributions)) == 8 * len(model.terms) and p.contribution_list(model) == exact.tolist()
    assert technician_risk(user=hr_admin, employee_id=p.technician.employee_id) == before


def test_an_interaction_table_takes_two_bytes_and_round_trips_exactly():
    rng = np.random.default_rng(0)
    pair = rng.normal(size=(34, 34))  # an interaction's 2-D table: 1,156 distinct values
    main = np.r_[0.0, rng.normal(size=40), 0.0]  # a main effect: missing and unknown bins score 0
    book = codebook.Codebook(codebook.build(SimpleNamespace(term_scores_=[main, pair, main * 3])))
    assert book.width == 1 + 2 + 1
    contrib = np.stack([main[rng.integers(0, 42, 500)], pair.ravel()[rng.integers(0, 1156, 500)],
                        3 * main[rng.integers(0, 42, 500)]], axis=1)  # fmt: skip
    codes = book.encode(contrib)
    assert codes.shape == (500, 4) and codes.dtype == np.uint8
    assert np.array_equal(book.decode(codes), contrib)
    model = SimpleNamespace(pk=None, terms=["a", "a x b", "b"])
    blobs = [codes[i].tobytes() for i in range(3)] + [contrib[3].astype("<f8").tobytes()]  # mixed: codes and float64
    assert np.array_equal(codebook.decode_rows(model, blobs, book=book), contrib[:4])


def test_codes_without_the_contribution_matrix_give_the_same_logit_and_codes(trained):
    """A scoring that stores codes asks ``explain_coded`` for the logit only: the logit and the codes are the
    ones the full explanation gives, bit for bit, and the full one's contributions are eval_terms'."""
    from predictions.features import retention_scoring_frame

    model = TrainedModel.objects.get(pk=trained.pk)
    fitted = load_fitted(model)
    book = model.codebook()
    maps = book.code_maps(fitted.estimator)
    X = retention_scoring_frame(as_of=Prediction.objects.filter(model=model).values_list("as_of", flat=True)[0]).X
    Xp = fitted.prepare(X)
    full, codes = fitted.explain_coded(Xp, maps, book.row)
    lean, lean_codes = fitted.explain_coded(Xp, maps, book.row, contributions=False)
    assert lean.contributions is None and len(X) > 50
    assert np.array_equal(full.logit, lean.logit) and np.array_equal(codes, lean_codes)
    expected = np.asarray(fitted.estimator.eval_terms(Xp), dtype=float)
    assert np.array_equal(full.contributions, expected)
    assert np.array_equal(full.intercept + expected.sum(axis=1), lean.logit)
    assert np.array_equal(book.decode(lean_codes), expected)
