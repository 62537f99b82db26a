"""Which assets a program may name, decided from the scenario's asset ids and kinds.

The checks reserves, demand response, mining bans, emergency curtailment and
hashrate forwards make of the assets they list before they read any series; their
modules' ``resolve`` call these functions, and so does the data-free check
(:mod:`grid_flex.nodata.scenario`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Literal

from grid_flex.errors import ScenarioError
from grid_flex.schema.contracts import HashrateForwardEntry
from grid_flex.schema.flexibility import AncillaryServicesEntry

#: Asset kind of a bitcoin fleet (what a mining ban and a hashrate forward apply to).
ASIC_KIND = "asic_fleet"
#: Asset kind that needs an explicit opt-in (``gpu_clusters_allowed``).
GPU_KIND = "gpu_cluster"
#: Asset kinds whose terms never declare ``flex_down_mw`` / ``flex_up_mw`` (heat
#: recovery moves heat, it has no controllable electric load): refused in ``resolve``.
#: Any other kind without them is refused in ``build``, from its terms.
NO_FLEX_KINDS = frozenset({"heat_recovery"})

#: Asset kinds emergency curtailment may curtail (the flexible computing loads).
CURTAILABLE_KINDS = frozenset({"asic_fleet", "gpu_cluster"})

Direction = Literal["up", "down"]


def select_assets(
    asset_kinds: Mapping[str, str],
    asset_ids: Sequence[str] | None,
    kinds: Collection[str],
    *,
    field: str,
    rule: str,
) -> tuple[str, ...]:
    """The asset ids a limit applies to, checked against the scenario's assets.

    Needs only ids and kinds, so programs call it in ``resolve`` (also in the
    data-free check).

    Parameters
    ----------
    asset_kinds : mapping of str to str
        Asset id → type for every asset of the scenario (``rctx.asset_kinds``).
    asset_ids : sequence of str or None
        Ids named in the scenario; every asset of ``kinds`` when None.
    kinds : collection of str
        Asset kinds the limit may apply to.
    field : str
        Dotted scenario path of ``asset_ids``, for messages; also the error's source.
    rule : str
        What the limit is, for messages (e.g. "a mining ban").

    Raises
    ------
    ScenarioError
        Naming every id that is unknown or of another kind, or, by default, the
        absence of any asset of ``kinds``.
    """
    allowed = " or ".join(sorted(kinds))
    of_kind = [aid for aid, kind in asset_kinds.items() if kind in kinds]
    if asset_ids is None:
        if not of_kind:
            raise ScenarioError(
                field,
                [
                    f"{field}: {rule} applies to {allowed} assets and the site "
                    f"has none (assets: {', '.join(asset_kinds)})"
                ],
            )
        return tuple(of_kind)
    problems = []
    for aid in asset_ids:
        kind = asset_kinds.get(aid)
        if kind is None:
            problems.append(
                f"{field}: {aid!r} is not an asset of the site "
                f"(assets: {', '.join(asset_kinds)})"
            )
        elif kind not in kinds:
            problems.append(
                f"{field}: {aid!r} is a {kind}; {rule} applies to {allowed} assets "
                f"only (here: {', '.join(of_kind) or 'none'})"
            )
    if problems:
        raise ScenarioError(field, problems)
    return tuple(dict.fromkeys(asset_ids))


def check_assets(entry: AncillaryServicesEntry, asset_kinds: Mapping[str, str]) -> None:
    """Eligibility of every listed asset from its kind; one error naming every problem.

    Raises
    ------
    ScenarioError
        For a ``gpu_clusters_allowed`` id that is not a GPU cluster, and an
        ``eligible_assets`` id that is unknown, a GPU cluster not declared eligible or
        of a kind with no controllable load.
    """
    where = f"programs.{entry.id}"
    problems = []
    for j, gid in enumerate(entry.gpu_clusters_allowed):
        kind = asset_kinds.get(gid)
        if kind != GPU_KIND:
            problems.append(
                f"{where}.gpu_clusters_allowed[{j}]: {gid!r} is "
                + ("not an asset" if kind is None else f"an asset of type {kind}")
                + ", not a GPU cluster (list gpu_cluster ids only)"
            )
    for i, s in enumerate(entry.services):
        problems += asset_problems(
            s.eligible_assets,
            asset_kinds,
            direction=s.direction,
            field=f"{where}.services[{i}].eligible_assets",
            gpu_allowed=entry.gpu_clusters_allowed,
            gpu_field=f"{where}.gpu_clusters_allowed",
        )
    if problems:
        raise ScenarioError(where, problems)


def asset_problems(
    ids: Sequence[str],
    asset_kinds: Mapping[str, str],
    *,
    direction: Direction,
    field: str,
    gpu_allowed: Sequence[str] | None,
    gpu_field: str = "",
) -> list[str]:
    """Why the assets ``ids`` (listed at ``field``) cannot hold ``direction`` capacity.

    Decided from the ids and kinds alone (``rctx.asset_kinds``), for ``resolve``;
    :func:`flex_problems` completes it from the built terms.
    ``gpu_allowed``: GPU clusters declared eligible (None: every listed one is).
    """
    problems = []
    for j, aid in enumerate(ids):
        where = f"{field}[{j}]"
        kind = asset_kinds.get(aid)
        if kind is None:
            known = ", ".join(asset_kinds) or "none"
            problems.append(
                f"{where}: {aid!r} is not an asset of this scenario (assets: {known})"
            )
        elif kind == GPU_KIND and gpu_allowed is not None and aid not in gpu_allowed:
            change = "reduce" if direction == "up" else "increase"
            problems.append(
                f"{where}: {aid!r} is a GPU cluster not declared eligible; add it "
                f"to {gpu_field} if its compute commitments allow it to {change} "
                "load for this service"
            )
        elif kind in NO_FLEX_KINDS:
            problems.append(no_flex_problem(where, aid, kind, direction))
    return problems


def no_flex_problem(where: str, aid: str, kind: str, direction: Direction) -> str:
    """Why asset ``aid`` of ``kind`` cannot hold ``direction`` capacity."""
    room = "flex_down_mw" if direction == "up" else "flex_up_mw"
    change = "reduce" if direction == "up" else "increase"
    return (
        f"{where}: {aid!r} ({kind}) has no controllable load it could "
        f"{change} ({room} not declared); list ASIC fleets, batteries or "
        "eligible GPU clusters"
    )


def forward_fleets(
    entry: HashrateForwardEntry, kinds: Mapping[str, str]
) -> tuple[str, ...]:
    """The fleets delivering a hashrate forward, checked against the site's assets.

    Raises
    ------
    ScenarioError
        A named id that is not an ASIC fleet, or (none named) a site without one.
    """
    where = f"programs.{entry.id}.fleets"
    if entry.fleets is None:
        fleets = tuple(a for a, k in kinds.items() if k == ASIC_KIND)
        if kinds and not fleets:
            raise ScenarioError(
                where, [f"{where}: the site has no asic_fleet to deliver the forward"]
            )
        return fleets
    bad = [a for a in entry.fleets if kinds and kinds.get(a) != ASIC_KIND]
    if bad:
        raise ScenarioError(
            where,
            [f"{where}: {a!r} is not an asic_fleet of this site" for a in bad],
        )
    return tuple(entry.fleets)
