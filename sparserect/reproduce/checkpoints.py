"""A configuration's training progress on disk, epoch by epoch, so that a killed run resumes.

`fine_tune` (and pre-training before it) saves, after every epoch, what the
rest of the training needs: the weights after pre-training, the finished
candidates' early-stopping states, and the running candidate's weights,
state and next epoch. A run restarted with `resume=True` continues from
there; since each epoch's mini-batches are a function of the seed and the
epoch alone (`epoch_order`), it ends with the numbers of a run that was
never interrupted. The file is one `.npz`, written atomically, removed once
the configuration's result is stored.
"""

import io
import json
import logging
import pathlib

import numpy as np

from sparserect._atomic import atomic_open
from sparserect._atomic import plain

logger = logging.getLogger(__name__)


class Checkpoint:
    """One configuration's training progress in `path` (an `.npz` file).

    Args:
        path: The file.
        settings: The JSON settings of the configuration; a file written for
            other settings is not resumed from (it is replaced).
    """

    def __init__(self, path, settings=None):
        self.path = pathlib.Path(path)
        self.settings = plain(settings)

    def load(self):
        """Returns the saved progress `{"state": dict, "arrays": {name: array}}`, or `None`."""
        if not self.path.exists():
            return None
        with np.load(self.path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        state = json.loads(str(arrays.pop("state_json")))
        if state.get("settings") != self.settings:
            logger.warning("%s was written for other settings; training from the start", self.path)
            return None
        return {"state": state, "arrays": arrays}

    def save(self, state, arrays):
        """Writes `state` (JSON values) and named arrays atomically."""
        buffer = io.BytesIO()
        payload = {"state_json": np.array(json.dumps(plain({**state, "settings": self.settings})))}
        np.savez(buffer, **payload, **arrays)
        with atomic_open(self.path, "wb") as file:
            file.write(buffer.getvalue())

    def clear(self):
        """Removes the file (the configuration is finished, or starts afresh)."""
        self.path.unlink(missing_ok=True)
