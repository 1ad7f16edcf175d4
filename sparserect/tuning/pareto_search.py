"""A keras-tuner oracle that searches for the Pareto front of several objectives.

keras-tuner ranks trials by one number: given a list of objectives, it
minimises their unweighted sum (`keras_tuner.engine.objective.MultiObjective`),
so a search for accuracy and sparsity aims at one point of the front, the
one that the scales of the two metrics happen to favour. `ParetoOracle`
aims at the whole front instead: each trial it proposes is the one expected
to add the most *hypervolume* (`sparserect.tuning.pareto.hypervolume`) to
the front of the trials so far.

It is a keras-tuner oracle (a `BayesianOptimizationOracle` whose
`populate_space`, `score_trial`, `get_best_trials` and state are its own),
so it runs with every keras-tuner `Tuner`, resumes from `oracle.json`, and
serves keras-tuner's distributed workers from the chief.
"""

import dataclasses
import logging
import math
import warnings

import keras_tuner
import numpy as np
import scipy.stats
import sklearn.exceptions
import sklearn.gaussian_process
import threadpoolctl

from sparserect._checks import check_positive_int, is_number
from sparserect.tuning import _trials
from sparserect.tuning import objectives as objectives_module
from sparserect.tuning import pareto

logger = logging.getLogger(__name__)

DEFAULT_OBJECTIVES = (objectives_module.VAL_ACCURACY, objectives_module.VAL_SPARSITY)


@dataclasses.dataclass(repr=False)
class Constraint:
    """A bound on a logged metric that a `ParetoOracle` search must respect.

    A trial is *feasible* when its value of `name` (at its best step, as
    keras-tuner records it) satisfies every bound given:

    ``` python
    value >= at_least
    value <= at_most
    value >= best - points_below_best / 100   # best: the largest value so far
    ```

    `points_below_best` is the rule of the constrained objective
    (`sparserect.tuning.objectives.constrained_sparsity`): "within that many
    percentage points of the best accuracy", with the best over the
    completed trials of the search.

    Example:

    ``` python
    Constraint("val_accuracy", points_below_best=1.0)   # within 1 point of the best
    Constraint("val_accuracy", at_least=0.95)
    ```

    Args:
        name: The metric's name in the epoch logs, e.g. `"val_accuracy"`.
        at_least: Optional lower bound.
        at_most: Optional upper bound.
        points_below_best: Optional float >= 0: the most percentage points
            (hundredths) that the value may fall below the best value so far.
    """

    name: str
    _: dataclasses.KW_ONLY
    at_least: float | None = None
    at_most: float | None = None
    points_below_best: float | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"`name` must be a metric name. Received: name={self.name!r}")
        bounds = {k: v for k, v in self.get_config().items() if k != "name" and v is not None}
        for argument, value in bounds.items():
            if not (is_number(value) and math.isfinite(value)):
                raise ValueError(
                    f"`{argument}` must be a finite number or None. Received: {argument}={value!r}"
                )
        if bounds.get("points_below_best", 0) < 0:
            raise ValueError(
                "`points_below_best` must be >= 0. "
                f"Received: points_below_best={self.points_below_best!r}"
            )
        if not bounds:
            raise ValueError(
                "A constraint needs `at_least`, `at_most` or `points_below_best`. "
                f"Received: name={self.name!r} and no bound"
            )

    def bounds(self, best):
        """Returns `(low, high)` given the best value so far; `-inf`/`inf` where unbounded."""
        low = -math.inf if self.at_least is None else float(self.at_least)
        if self.points_below_best is not None and math.isfinite(best):
            low = max(low, best - self.points_below_best / 100.0)
        high = math.inf if self.at_most is None else float(self.at_most)
        return low, high

    def get_config(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        bounds = ", ".join(
            f"{k}={v!r}" for k, v in self.get_config().items() if k != "name" and v is not None
        )
        return f"Constraint({self.name!r}, {bounds})"


class ParetoOracle(keras_tuner.oracles.BayesianOptimizationOracle):
    """Proposes the trials that should extend the Pareto front of several objectives most.

    The method (SMS-EGO's optimistic hypervolume improvement, Ponweiser et
    al. 2008, with constraints handled as in constrained expected
    improvement, Gardner et al. 2014):

    1. The first `num_initial_points` trials are random (keras-tuner's
       `_random_values`).
    2. Then, for each new trial, one Gaussian process per objective and per
       constrained metric is fitted to the completed trials (as in
       keras-tuner's `BayesianOptimizationOracle`: a Matern 5/2 kernel over
       the hyperparameters embedded in `[0, 1]` by `value_to_prob`, here
       with one length scale per hyperparameter).
    3. Each of `num_candidates` candidate settings (uniform in the space, and
       small perturbations of the trials on the front) is scored by

       ``` python
       gain = hypervolume_improvement(mean + beta * std, front, reference)
              * probability(constraints hold)
       ```

       with `front` the feasible completed trials plus, for trials still
       running (distributed workers), their predicted means, so that two
       workers are not sent to the same place. A lower bound on an
       objective also raises the reference to it: what lies below does not
       count.
    4. The best candidate not tried before is proposed.

    Why: the hypervolume of the front is what a multi-objective search is
    judged by, and it grows exactly when a trial extends the front; the
    optimistic value `mean + beta * std` lets a trial be proposed for what
    it might add where the model is unsure. `docs/tuning.md` compares it with
    other searches (`benchmarks/bench_pareto_oracle.py`).

    Every trial's `score` is its own hypervolume (the volume of the box
    between the reference and its point; 0 when it is infeasible when it
    ends), so it does not depend on the trials after it; `get_best_trials`
    returns the trials on the front that are feasible at the time of the
    call first (`points_below_best` is checked against the best of all
    trials then), by that score. The hypervolume of the front
    after each trial is logged (logger `sparserect.tuning.pareto_search`).

    keras-tuner chooses each trial's best epoch (and the checkpoint it
    keeps) by the sum of the objectives (`MultiObjective`); the objective
    values of a trial are those of that epoch.

    Example:

    ``` python
    oracle = ParetoOracle(
        max_trials=30, constraints=[Constraint("val_accuracy", points_below_best=2.0)]
    )
    tuner = keras_tuner.Tuner(
        oracle=oracle, hypermodel=SparseNetworkHyperModel((8, 8, 1), 10),
        directory="tuning", project_name="digits-front",
    )
    tuner.search(x, y, validation_data=(x_val, y_val), epochs=5)
    ```

    Args:
        objective: A list of two or more `keras_tuner.Objective`s (or names
            keras-tuner can infer a direction from). Defaults to
            `val_accuracy` and `val_sparsity`, both maximised.
        reference: Optional dict from objective name to the worst value that
            counts for the hypervolume. Defaults to 0 for objectives to
            maximise; required for objectives to minimise.
        constraints: Optional list of `Constraint`s.
        max_trials: Int > 0, the number of trials. Defaults to `20`.
        num_initial_points: Optional int > 0, the random trials before the
            model is used. Defaults to the number of searched
            hyperparameters plus one, at least 3.
        num_candidates: Int > 0, settings scored per proposal. Defaults to
            `2000`.
        beta: Float >= 0, the weight of the model's uncertainty in the
            optimistic value. Defaults to `1.0`.
        alpha: Float > 0, the noise added to the diagonal of the Gaussian
            processes' kernel. Defaults to `1e-4`.
        seed: Optional int, the random seed.
        hyperparameters: Optional `HyperParameters`, as for every oracle.
        allow_new_entries: As for every oracle.
        tune_new_entries: As for every oracle.
        max_retries_per_trial: As for every oracle.
        max_consecutive_failed_trials: As for every oracle.
    """

    def __init__(
        self,
        objective=DEFAULT_OBJECTIVES,
        *,
        reference=None,
        constraints=(),
        max_trials=20,
        num_initial_points=None,
        num_candidates=2000,
        beta=1.0,
        alpha=1e-4,
        seed=None,
        hyperparameters=None,
        allow_new_entries=True,
        tune_new_entries=True,
        max_retries_per_trial=0,
        max_consecutive_failed_trials=3,
    ):
        if not isinstance(objective, (list, tuple)) or len(objective) < 2:
            raise ValueError(
                "`objective` must be a list of two or more objectives. "
                f"Received: objective={objective!r}"
            )
        check_positive_int("max_trials", max_trials)
        check_positive_int("num_initial_points", num_initial_points, allow_none=True)
        check_positive_int("num_candidates", num_candidates)
        if not (is_number(beta) and beta >= 0):
            raise ValueError(f"`beta` must be a number >= 0. Received: beta={beta!r}")
        super().__init__(
            objective=list(objective),
            max_trials=max_trials,
            num_initial_points=num_initial_points,
            alpha=alpha,
            beta=beta,
            seed=seed,
            hyperparameters=hyperparameters,
            allow_new_entries=allow_new_entries,
            tune_new_entries=tune_new_entries,
            max_retries_per_trial=max_retries_per_trial,
            max_consecutive_failed_trials=max_consecutive_failed_trials,
        )
        self.objectives = list(self.objective.objectives)
        names = [o.name for o in self.objectives]
        if len(set(names)) != len(names):
            raise ValueError(f"Objectives must differ. Received: objective={names}")
        self.reference = self._check_reference(reference)
        constraints = list(constraints or ())
        if not all(isinstance(c, Constraint) for c in constraints):
            raise ValueError(
                "`constraints` must be a list of `Constraint`s. "
                f"Received: constraints={constraints!r}"
            )
        self.constraints = constraints
        self.num_candidates = num_candidates

    def _check_reference(self, reference):
        reference = dict(reference or {})
        names = [o.name for o in self.objectives]
        unknown = sorted(set(reference) - set(names))
        missing = [
            o.name for o in self.objectives if o.direction == "min" and o.name not in reference
        ]
        invalid = [k for k, v in reference.items() if not (is_number(v) and math.isfinite(v))]
        if unknown or missing or invalid:
            raise ValueError(
                f"`reference` must map objective names ({names}) to finite numbers, and "
                f"give one for every objective to minimise ({missing} missing). "
                f"Received: reference={reference!r}"
            )
        return {name: float(reference.get(name, 0.0)) for name in names}

    # Objective values, oriented so that every one is maximised.

    def _signs(self):
        return np.array([1.0 if o.direction == "max" else -1.0 for o in self.objectives])

    def _values(self, trial, names):
        state = trial.get_state()
        return np.array([_trials.metric_value(state, name) for name in names])

    def _completed(self):
        """The completed trials in trial-id order (a reloaded oracle reads them in any order)."""
        return [self.trials[i] for i in sorted(self.trials) if self.trials[i].status == "COMPLETED"]

    def _bounds(self, completed):
        """`(low, high)` of every constraint, against the best values of `completed` trials."""
        states = [t.get_state() for t in completed]
        return [c.bounds(_trials.best_value(states, c.name)) for c in self.constraints]

    def _feasible(self, trial, bounds):
        values = self._values(trial, [c.name for c in self.constraints])
        return all(low <= v <= high for v, (low, high) in zip(values, bounds))

    def _reference_point(self, bounds=()):
        """The reference, raised to every lower bound (or lowered upper bound) on an objective."""
        signs = self._signs()
        reference = signs * np.array([self.reference[o.name] for o in self.objectives])
        for constraint, (low, high) in zip(self.constraints, bounds):
            for i, objective in enumerate(self.objectives):
                if objective.name == constraint.name:
                    limit = low if signs[i] > 0 else -high
                    if math.isfinite(limit):
                        reference[i] = max(reference[i], limit)
        return reference

    def _points(self, trials):
        names = [o.name for o in self.objectives]
        values = np.array([self._values(t, names) for t in trials]).reshape(-1, len(names))
        return values * self._signs()

    def front(self):
        """Returns the completed, feasible trials on the Pareto front, and its hypervolume."""
        completed = self._completed()
        bounds = self._bounds(completed)
        feasible = [t for t in completed if self._feasible(t, bounds)]
        points = self._points(feasible)
        mask = pareto.pareto_mask(*points.T)
        front = [t for t, on in zip(feasible, mask) if on]
        return front, pareto.hypervolume(points[mask], self._reference_point(bounds))

    # keras-tuner's hooks.

    def populate_space(self, trial_id):
        """Proposes the values of trial `trial_id` (see the class docstring)."""
        completed = self._completed()
        searched = self._nonfixed_space()
        initial = self.num_initial_points or max(len(searched) + 1, 3)
        if len(completed) < initial or not searched:
            return self._random_populate_space()
        rng = np.random.default_rng([self.seed, len(self.trials)])  # the same on resume
        x = np.array([self._vector(t.hyperparameters) for t in completed])
        bounds = self._bounds(completed)
        reference = self._reference_point(bounds)
        names = [o.name for o in self.objectives]
        feasible = np.array([self._feasible(t, bounds) for t in completed], dtype=bool)
        feasible_points = self._points([t for t, ok in zip(completed, feasible) if ok])
        front_x = x[feasible][pareto.pareto_mask(*feasible_points.T)]
        candidates = self._candidates(front_x, len(searched), rng)
        pending = [t for t in self.ongoing_trials.values() if t.status == "RUNNING"]
        pending_x = np.array([self._vector(t.hyperparameters) for t in pending])
        pending_x = pending_x.reshape(-1, x.shape[1])

        # The matrices are tiny: BLAS threads cost more than they bring, and
        # on a busy machine they made every fit more than ten times slower.
        with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
            predictions = {
                name: self._predict(x, completed, name, candidates, pending_x)
                for name in dict.fromkeys(names + [c.name for c in self.constraints])
            }
        optimistic, believed = [], []
        for sign, name in zip(self._signs(), names):
            mean, std, pending_mean = predictions[name]
            optimistic.append(sign * (mean + sign * self.beta * std))
            believed.append(sign * pending_mean)
        probability = np.ones(len(candidates))
        for constraint, (low, high) in zip(self.constraints, bounds):
            mean, std, _ = predictions[constraint.name]
            probability *= scipy.stats.norm.cdf((high - mean) / std) - scipy.stats.norm.cdf(
                (low - mean) / std
            )
        front = np.concatenate([feasible_points, np.array(believed).T])
        gain = pareto.hypervolume_improvements(np.array(optimistic).T, front, reference)
        for index in np.lexsort((-probability, -gain * probability)):
            values = self._vector_to_values(candidates[index])
            if not self._duplicate(values):
                return {"status": "RUNNING", "values": values}
        return self._random_populate_space()

    def _vector(self, hyperparameters):
        """A trial's searched values in `[0, 1]`, the default where inactive (as keras-tuner's)."""
        vector = []
        for hp in self._nonfixed_space():
            active = hyperparameters.is_active(hp) and hp.name in hyperparameters.values
            value = hyperparameters.values[hp.name] if active else hp.default
            vector.append(hp.value_to_prob(value))
        return vector

    def _candidates(self, front_x, dimensions, rng):
        """Uniform settings, and as many perturbations of the front's settings (sd 0.1)."""
        uniform = rng.uniform(size=(self.num_candidates // 2, dimensions))
        count = self.num_candidates - len(uniform)
        if not len(front_x):
            return np.concatenate([uniform, rng.uniform(size=(count, dimensions))])
        centres = front_x[rng.integers(0, len(front_x), size=count)]
        local = np.clip(centres + rng.normal(scale=0.1, size=centres.shape), 0.0, 1.0)
        return np.concatenate([uniform, local])

    def _predict(self, x, completed, name, candidates, pending_x):
        """A Gaussian process of metric `name`: mean and std at the candidates, mean at pending."""
        y = np.array([self._values(t, [name])[0] for t in completed])
        known = np.isfinite(y)
        if known.sum() < 2 or np.ptp(y[known]) == 0:
            fill = float(np.mean(y[known])) if known.any() else 0.0
            return (np.full(len(candidates), fill), np.full(len(candidates), 1e-9),
                    np.full(len(pending_x), fill))  # fmt: skip
        gpr = self._make_gpr(x.shape[1])
        with warnings.catch_warnings():
            # A length scale at its upper bound is a hyperparameter that does
            # not matter, a normal finding with few trials.
            warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
            gpr.fit(x[known], y[known])
        mean, std = gpr.predict(candidates, return_std=True)
        pending_mean = gpr.predict(pending_x) if len(pending_x) else np.zeros(0)
        return mean, np.maximum(std, 1e-9), pending_mean

    def _make_gpr(self, dimensions=1):  # keras-tuner calls it without arguments
        """keras-tuner's Gaussian process, with one length scale per hyperparameter.

        keras-tuner's kernel has one length scale for all hyperparameters;
        but sparsity jumps with the activation (only rectifiers give exact
        zeros) while it changes smoothly with the L1 coefficient, and a
        shared length scale collapses to its lower bound on such data.
        """
        kernel = sklearn.gaussian_process.kernels.ConstantKernel(
            1.0, (1e-3, 1e3)
        ) * sklearn.gaussian_process.kernels.Matern(
            length_scale=np.ones(dimensions), length_scale_bounds=(1e-2, 1e2), nu=2.5
        )
        return sklearn.gaussian_process.GaussianProcessRegressor(
            kernel=kernel, n_restarts_optimizer=5, normalize_y=True, alpha=self.alpha,
            random_state=self.seed,
        )  # fmt: skip

    def score_trial(self, trial):
        """Keeps keras-tuner's best step; scores the trial's own hypervolume, 0 if infeasible."""
        super().score_trial(trial)
        point = self._points([trial])
        if np.isnan(point).any():
            trial.score = math.nan  # keras-tuner marks the trial INVALID
            return
        feasible = self._feasible(trial, self._bounds(self._completed()))
        trial.score = pareto.hypervolume(point, self._reference_point()) if feasible else 0.0

    def end_trial(self, trial):
        """Ends the trial as keras-tuner does, then logs the front's hypervolume."""
        super().end_trial(trial)
        front, volume = self.front()
        logger.info(
            "Trial %s %s: hypervolume of the front %.4f (%d of %d completed trials on it)",
            trial.trial_id, trial.status, volume, len(front), len(self._completed()),
        )  # fmt: skip

    def get_best_trials(self, num_trials=1):
        """Returns the feasible front by score, then the other completed trials, then the rest."""
        front, _ = self.front()
        completed = self._completed()
        bounds = self._bounds(completed)
        on_front = {t.trial_id for t in front}
        ranked = sorted(
            completed,
            key=lambda t: (t.trial_id not in on_front, not self._feasible(t, bounds), -t.score),
        )
        others = [t for t in self.trials.values() if t.status != "COMPLETED"]
        return (ranked + others)[:num_trials]

    def get_state(self):
        state = super().get_state()
        state["reference"] = self.reference
        state["constraints"] = [c.get_config() for c in self.constraints]
        state["num_candidates"] = self.num_candidates
        return state

    def set_state(self, state):
        super().set_state(state)
        self.reference = state["reference"]
        self.constraints = [Constraint.from_config(c) for c in state["constraints"]]
        self.num_candidates = state["num_candidates"]


class ParetoSearch(keras_tuner.Tuner):
    """A keras-tuner `Tuner` with a `ParetoOracle`: the front of accuracy and sparsity.

    Example:

    ``` python
    tuner = ParetoSearch(
        SparseNetworkHyperModel((8, 8, 1), 10), max_trials=30,
        directory="tuning", project_name="digits-front",
    )
    tuner.search(x, y, validation_data=(x_val, y_val), epochs=5)
    pareto_front(tuner)
    ```

    Args:
        hypermodel: A `keras_tuner.HyperModel` whose trials log every
            objective (`SparseNetworkHyperModel` logs `val_sparsity`).
        objective: See `ParetoOracle`. Defaults to `val_accuracy` and
            `val_sparsity`, maximised.
        reference: See `ParetoOracle`.
        constraints: See `ParetoOracle`.
        max_trials: See `ParetoOracle`.
        num_initial_points: See `ParetoOracle`.
        seed: See `ParetoOracle`.
        hyperparameters: See `ParetoOracle`.
        tune_new_entries: See `ParetoOracle`.
        allow_new_entries: See `ParetoOracle`.
        **kwargs: Arguments of every keras-tuner `Tuner` (`directory`,
            `project_name`, `overwrite`, ...).
    """

    def __init__(
        self,
        hypermodel=None,
        *,
        objective=DEFAULT_OBJECTIVES,
        reference=None,
        constraints=(),
        max_trials=20,
        num_initial_points=None,
        seed=None,
        hyperparameters=None,
        tune_new_entries=True,
        allow_new_entries=True,
        **kwargs,
    ):
        oracle = ParetoOracle(
            objective,
            reference=reference,
            constraints=constraints,
            max_trials=max_trials,
            num_initial_points=num_initial_points,
            seed=seed,
            hyperparameters=hyperparameters,
            tune_new_entries=tune_new_entries,
            allow_new_entries=allow_new_entries,
        )
        super().__init__(oracle=oracle, hypermodel=hypermodel, **kwargs)
