import numpy as np
import pytest

from forecasts.reconcile import mint_matrix, reconcile, shrinkage_covariance, summing_matrix

HIER = [("total", None), ("a", "total"), ("b", "total")]


def test_summing_matrix_for_a_three_level_hierarchy():
    s = summing_matrix(
        [("co", None), ("r1", "co"), ("r2", "co"), ("x", "r1"), ("y", "r1"), ("z", "r2")], ["x", "y", "z"]
    )
    assert s.tolist() == [[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_mint_reproduces_a_worked_example_with_known_w():
    # total=10, a=3, b=5 (incoherent: 3+5≠10). W = diag(4, 1, 1).
    # By hand: SᵀW⁻¹S = [[5/4, 1/4], [1/4, 5/4]], SᵀW⁻¹ŷ = [5.5, 7.5]
    # → b̃ = (2/3)·[5/4·5.5 − 1/4·7.5, −1/4·5.5 + 5/4·7.5] = [10/3, 16/3], total 26/3.
    s = summing_matrix(HIER, ["a", "b"])
    g = mint_matrix(s, np.diag([4.0, 1.0, 1.0]))
    out = s @ g @ np.array([10.0, 3.0, 5.0])
    assert out == pytest.approx([26 / 3, 10 / 3, 16 / 3])


def test_mint_with_identity_w_is_ols():
    s = summing_matrix(HIER, ["a", "b"])
    out = s @ mint_matrix(s, np.eye(3)) @ np.array([10.0, 3.0, 5.0])
    assert out == pytest.approx([28 / 3, 11 / 3, 17 / 3])


def test_reconciled_forecasts_are_coherent_and_non_negative():
    rng = np.random.default_rng(1)
    s = summing_matrix(
        [("co", None), ("r1", "co"), ("r2", "co"), ("x", "r1"), ("y", "r1"), ("z", "r2")], ["x", "y", "z"]
    )
    base = np.array([[100, 90], [60, 50], [45, 42], [30, 0.5], [25, 20], [40, 41]], dtype=float)
    resid = rng.normal(size=(40, 6))
    for method in ("mint", "bottom_up"):
        out, info = reconcile(base, s, method=method, residuals=resid)
        assert info["method"] == method
        assert out[0] == pytest.approx(out[1] + out[2])
        assert out[1] == pytest.approx(out[3] + out[4])
        assert out[2] == pytest.approx(out[5])
        assert (out >= 0).all()
    assert reconcile(base, s, method="bottom_up")[0][0].tolist() == [95, 61.5]


def test_shrinkage_covariance_matches_the_schafer_strimmer_formula():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(30, 3))
    x[:, 1] += 0.8 * x[:, 0]
    w, lam = shrinkage_covariance(x)
    # direct computation, element by element
    t = x.shape[0]
    cov = x.T @ x / t
    sd = np.sqrt(np.diag(cov))
    xs = x / sd
    num = den = 0.0
    for i in range(3):
        for j in range(3):
            if i != j:
                wij = xs[:, i] * xs[:, j]
                num += np.sum((wij - wij.mean()) ** 2) / (t * (t - 1))  # Var̂ of the correlation estimate
                den += (cov[i, j] / (sd[i] * sd[j])) ** 2
    assert 0 < lam < 1
    assert lam == pytest.approx(num / den, rel=1e-6)
    assert np.allclose(np.diag(w), np.diag(cov), rtol=1e-6)
    assert w[0, 1] == pytest.approx((1 - lam) * cov[0, 1], rel=1e-6)


def test_mint_needs_residuals():
    s = summing_matrix(HIER, ["a", "b"])
    with pytest.raises(ValueError, match="residuals"):
        reconcile(np.ones((3, 2)), s, method="mint")
