"""Clustering error (Table 3) and the measures later clustering papers report beside it.

The paper's error (section 6): for each cluster i, the validation image that maximises q(y_i|x)
lends its true label to cluster i; every test image takes the label of its cluster
(argmax_i q(y_i|x)); the error is the share of test images whose label is wrong. A cluster no
test image falls in is "empty": allowed, and counted.

Beside it: normalised mutual information between clusters and classes (any K), and, when there
are as many clusters as classes, the accuracy under the best one-to-one matching of clusters to
classes (the Hungarian algorithm on the contingency table).
"""
from __future__ import annotations

import numpy as np

# scikit-learn and scipy.optimize are imported where they are used: at module level they cost about
# 3.5 s at the start of every process that trains (a worker, a SLURM job), and most runs never
# score clusters


def cluster_labels(q_valid: np.ndarray, y_valid: np.ndarray) -> np.ndarray:
    """The label each cluster gets: that of the validation image with the highest q(y_i|x)."""
    return y_valid[q_valid.argmax(axis=0)]


def paper_error(q_valid: np.ndarray, y_valid: np.ndarray, q_test: np.ndarray, y_test: np.ndarray) -> float:
    """Section 6's clustering error on the test images, in percent."""
    predicted = cluster_labels(q_valid, y_valid)[q_test.argmax(axis=1)]
    return 100.0 * float((predicted != y_test).mean())


def matched_accuracy(assigned: np.ndarray, y: np.ndarray) -> float:
    """Accuracy (%) under the best one-to-one map of clusters to classes."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics.cluster import contingency_matrix

    table = contingency_matrix(y, assigned)  # classes x clusters that occur
    rows, cols = linear_sum_assignment(table, maximize=True)
    return 100.0 * float(table[rows, cols].sum()) / len(y)


# what clustering_metrics returns; matched accuracy only where there are as many clusters as classes
CLUSTERING_KEYS = ("cluster_error", "nmi", "empty_clusters", "matched_accuracy")


def clustering_metrics(q_valid: np.ndarray, y_valid: np.ndarray, q_test: np.ndarray, y_test: np.ndarray,
                       n_classes: int) -> dict[str, float]:
    from sklearn.metrics import normalized_mutual_info_score

    k = q_test.shape[1]
    assigned = q_test.argmax(axis=1)
    metrics = {"cluster_error": paper_error(q_valid, y_valid, q_test, y_test),
               "nmi": float(normalized_mutual_info_score(y_test, assigned)),
               "empty_clusters": float(k - len(np.unique(assigned)))}
    if k == n_classes:
        metrics["matched_accuracy"] = float(matched_accuracy(assigned, y_test))
    return metrics
