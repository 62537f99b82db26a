"""The arrays the LP is built from: :class:`ModelInputs`, aligned to one time index.

Plain data on a low floor, so that the model layer can name it without importing the
input pipeline (:mod:`grid_flex.inputs`) that builds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from grid_flex.model.linear import FloatArray
from grid_flex.schema.scenario import Scenario


@dataclass(frozen=True)
class ModelInputs:
    """Everything the LP needs, aligned to ``index``.

    Attributes
    ----------
    index : pandas.DatetimeIndex
        Interval starts, tz-aware UTC.
    timestep_h : ndarray
        Interval lengths [h].
    price_usd_per_mwh : ndarray
        Energy price per interval [USD/MWh].
    import_price_usd_per_mwh : ndarray
        Price plus per-MWh adders: what one imported MWh costs [USD/MWh].
    export_price_usd_per_mwh : ndarray
        What one exported MWh earns [USD/MWh].
    hashprice_usd_per_ths_day : ndarray or None
        Hashprice per interval [USD per TH/s per day].
    import_limit_mw, export_limit_mw : ndarray
        Most the site may import / export per interval (firm + available non-firm
        part at their largest sizes) [MW].
    assets : tuple
        ``(type, params)`` per scenario asset, in scenario order.
    programs : tuple
        ``(type, params)`` per scenario program, in scenario order.
    scenario : Scenario
        The validated scenario these inputs came from.
    assumptions : tuple of str
        What the inputs project beyond known data (e.g. halvings after the last
        known block), written to ``summary.json`` as ``assumptions``.
    """

    index: pd.DatetimeIndex
    timestep_h: FloatArray
    price_usd_per_mwh: FloatArray
    import_price_usd_per_mwh: FloatArray
    export_price_usd_per_mwh: FloatArray
    hashprice_usd_per_ths_day: FloatArray | None
    import_limit_mw: FloatArray
    export_limit_mw: FloatArray
    assets: tuple[tuple[str, Any], ...]
    scenario: Scenario
    programs: tuple[tuple[str, Any], ...] = ()
    assumptions: tuple[str, ...] = ()
    #: share of the non-firm connection available per interval (``site.non_firm``)
    non_firm_available_frac: FloatArray | None = None

    @property
    def labels(self) -> Sequence[Any]:
        """Interval labels for messages (UTC interval starts)."""
        return self.index  # type: ignore[return-value]  # an Index is a sequence

    def frame(self) -> pd.DataFrame:
        """The input series as a DataFrame (for results and plots)."""
        cols: dict[str, Any] = {
            "timestep_h": self.timestep_h,
            "price_usd_per_mwh": self.price_usd_per_mwh,
            "import_price_usd_per_mwh": self.import_price_usd_per_mwh,
            "export_price_usd_per_mwh": self.export_price_usd_per_mwh,
            "import_limit_mw": self.import_limit_mw,
        }
        if self.hashprice_usd_per_ths_day is not None:
            cols["hashprice_usd_per_ths_day"] = self.hashprice_usd_per_ths_day
        return pd.DataFrame(cols, index=self.index)
