"""Table 3's clustering measures: known answers."""
import numpy as np
import pytest
import torch

from aae.eval.clustering import clustering_metrics, matched_accuracy, paper_error


def one_hot(assigned, k):
    q = np.full((len(assigned), k), 0.01)
    q[np.arange(len(assigned)), assigned] = 0.9
    return q


@pytest.fixture
def balanced():
    rng = np.random.default_rng(0)
    return rng.permutation(np.repeat(np.arange(10), 100)), rng.permutation(np.repeat(np.arange(10), 300))


def test_perfect_clusters_give_zero_error_and_nmi_one(balanced):
    y_valid, y_test = balanced
    m = clustering_metrics(one_hot(y_valid, 10), y_valid, one_hot(y_test, 10), y_test, 10)
    assert m["cluster_error"] == 0.0 and m["nmi"] == pytest.approx(1.0) and m["matched_accuracy"] == 100.0
    assert m["empty_clusters"] == 0


def test_a_random_assignment_is_near_chance(balanced):
    y_valid, y_test = balanced
    rng = np.random.default_rng(1)
    q_valid, q_test = rng.random((len(y_valid), 16)), rng.random((len(y_test), 16))
    m = clustering_metrics(q_valid, y_valid, q_test, y_test, 10)
    assert 80 < m["cluster_error"] < 97 and m["nmi"] < 0.02 and "matched_accuracy" not in m


def test_the_papers_rule_is_not_majority_voting():
    """Cluster 0 holds three 1s and one 7, but its most confident validation image is the 7: the
    paper's rule labels the cluster 7 (75% test error), majority voting would say 1 (25%)."""
    q_valid = np.array([[0.6, 0.4], [0.7, 0.3], [0.99, 0.01], [0.1, 0.9]])
    y_valid = np.array([1, 1, 7, 3])
    q_test = np.array([[0.8, 0.2]] * 4)
    y_test = np.array([1, 1, 1, 7])
    assert paper_error(q_valid, y_valid, q_test, y_test) == 75.0


def test_a_permuted_perfect_clustering_is_fully_matched(balanced):
    _, y_test = balanced
    permutation = np.random.default_rng(2).permutation(10)
    assert matched_accuracy(permutation[y_test], y_test) == 100.0


def test_empty_clusters_are_counted(balanced):
    y_valid, y_test = balanced
    m = clustering_metrics(one_hot(y_valid, 30), y_valid, one_hot(y_test, 30), y_test, 10)
    assert m["empty_clusters"] == 20 and m["cluster_error"] == 0.0


class _ValidOnly:
    """Validation images whose first pixel is their label and second pixel 1 in the second half;
    reading the test split fails the test."""

    def __init__(self, labels):
        self.y_valid = labels
        self.x = torch.zeros(len(labels), 4)
        self.x[:, 0] = torch.as_tensor(labels, dtype=torch.float32)
        self.x[len(labels) // 2:, 1] = 1.0

    def floats(self, split, device=None):
        assert split == "valid", f"a learning curve read the {split} images"
        return self.x


class _LabelClusters:
    """Each image in its label's cluster, except the second half's 3s, which land with the 5s."""

    def predict_proba(self, x):
        cluster = x[:, 0].long()
        cluster = torch.where((x[:, 1] == 1) & (cluster == 3), 5, cluster)
        return torch.nn.functional.one_hot(cluster, 10).float()


def test_the_clustering_curve_labels_on_one_half_of_the_validation_images_and_scores_the_other():
    """The first half labels the clusters (3 -> 3, 5 -> 5), so exactly the second half's 3s are
    wrong: 50 of 500 images, 10%. The test split is never read."""
    from aae.eval import EvalContext, evaluate

    data = _ValidOnly(np.tile(np.arange(10), 100))
    metrics = evaluate("valid_clustering", _LabelClusters(), EvalContext(data=data, device="cpu", seed=0))
    assert metrics == {"valid_cluster_error": pytest.approx(10.0)}
