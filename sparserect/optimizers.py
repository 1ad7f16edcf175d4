"""The paper's optimizer, plain SGD, for one network and with one learning rate per member."""

import keras
from keras import ops

from sparserect._checks import check_non_negative_number
from sparserect._checks import is_sequence
from sparserect._checks import per_member_floats


def plain_sgd(model, learning_rate, weight_decay=0.0):
    """The paper's optimizer: SGD at a constant learning rate, no momentum.

    With `weight_decay > 0`, each step also shrinks the model's weight
    matrices (variables named `kernel`; not biases, sign masks or activation
    parameters) by `learning_rate * weight_decay`, which for plain SGD is an
    L2 penalty of `weight_decay / 2 * sum(W ** 2)` on the loss. The paper
    uses none; the authors' code has such a penalty as an option.
    """
    optimizer = keras.optimizers.SGD(learning_rate, weight_decay=weight_decay or None)
    if weight_decay:
        optimizer.exclude_from_weight_decay(
            var_list=[v for v in model.trainable_variables if v.name != "kernel"]
        )
    return optimizer


@keras.saving.register_keras_serializable(package="sparserect")
class MemberSGD(keras.optimizers.Optimizer):
    """SGD without momentum in which member `k` steps at its own learning rate.

    Every weight of an ensemble holds its members on the first axis, so
    member `k`'s slice `w[k]` is updated, from its gradient `g[k]`, as plain
    SGD at `learning_rates[k]` (times the base `learning_rate`, 1 unless a
    schedule or callback sets it) would update the network alone:

    ``` python
    w[k] = w[k] - w[k] * weight_decay * learning_rates[k]  # weight matrices ("kernel") only
    w[k] = w[k] - g[k] * learning_rates[k]
    ```

    This is the step of `keras.optimizers.SGD(learning_rates[k],
    weight_decay=weight_decay)` with the biases excluded from the decay, as
    `plain_sgd` trains a network alone: one
    fit can continue each member at the learning rate that it chose.

    Example:

    ``` python
    model = build_network((784,), 10, members=3, seed=[0, 1, 2])
    compile_ensemble(model, MemberSGD([0.1, 0.01, 0.001]))
    model.fit(x, y, batch_size=10)   # three learning rates in one fit
    ```

    Args:
        learning_rates: One learning rate per member, each a number > 0.
        weight_decay: Number >= 0, the decay of the weight matrices
            (variables named `"kernel"`); `0` for none, as in the paper.
        name: Name of the optimizer.
        **kwargs: Base optimizer arguments (`learning_rate`, the common
            factor; gradient clipping by value or per-variable norm).
    """

    def __init__(self, learning_rates, weight_decay=0.0, name="member_sgd", **kwargs):
        if kwargs.get("global_clipnorm") is not None:
            raise ValueError(
                "MemberSGD updates each member from its own gradient; a global "
                "gradient norm would mix the members. "
                f"Received: global_clipnorm={kwargs['global_clipnorm']!r}"
            )
        kwargs.setdefault("learning_rate", 1.0)
        super().__init__(name=name, **kwargs)
        if not is_sequence(learning_rates) or not len(learning_rates):
            raise ValueError(
                "`learning_rates` must be a sequence of numbers > 0, one per member. "
                f"Received: learning_rates={learning_rates!r}"
            )
        self.learning_rates = per_member_floats(
            "learning_rates", learning_rates, len(learning_rates), 0.0, strict=True
        )
        check_non_negative_number("weight_decay", weight_decay)
        self.member_weight_decay = float(weight_decay)

    def build(self, variables):
        if self.built:
            return
        size = len(self.learning_rates)
        for variable in variables:
            if not variable.shape or variable.shape[0] != size:
                raise ValueError(
                    f"MemberSGD has {size} learning rates, so every weight must hold "
                    f"{size} members on its first axis. "
                    f"Received: {variable.path} of shape {variable.shape}"
                )
        super().build(variables)
        # By position: the backend may hand `update_step` its own variable objects.
        self._decays = [variable.name == "kernel" for variable in variables]

    def update_step(self, gradient, variable, learning_rate):
        rates = ops.multiply(
            ops.convert_to_tensor(self.learning_rates, dtype=variable.dtype),
            ops.cast(learning_rate, variable.dtype),
        )
        rates = ops.reshape(rates, (len(self.learning_rates),) + (1,) * (len(variable.shape) - 1))
        gradient = ops.cast(gradient, variable.dtype)
        value = variable
        if self.member_weight_decay and self._decays[self._get_variable_index(variable)]:
            decay = ops.cast(self.member_weight_decay, variable.dtype)
            value = ops.subtract(value, ops.multiply(ops.multiply(value, decay), rates))
        self.assign(variable, ops.subtract(value, ops.multiply(gradient, rates)))

    def get_config(self):
        config = super().get_config()
        return {
            **config, "learning_rates": list(self.learning_rates),
            "weight_decay": self.member_weight_decay,
        }
